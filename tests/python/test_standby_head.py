"""Standby head (docs/fault_tolerance.md "Standby head"): two colony-gcs --standby on one
real redis-server; one leads through the leader lease, the other waits. SIGKILL the leader
while a job runs tasks and actor calls: the standby takes over, clients (given the list of
both heads) follow by themselves, actors keep their ids and names, nothing acknowledged is
lost. A leader SIGSTOPped past its lease is superseded and, once continued, exits at once
without writing (fencing epoch)."""

from __future__ import annotations

import os
import secrets
import signal
import threading

import pytest

import colony
from colony import _core
from colony._private import node as node_mod
from colony._private.head_group import HeadGroup
from colony.util import list_named_actors
from colony_testutil import wait_for
from redis_util import RedisServer

NS = "standby"
LEASE_MS = 1500
CLUSTER = "default"


def _key(name: str) -> str:
    return f"colony@{CLUSTER}@{name}"


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


@colony.remote
def square(x):
    return x * x


@colony.remote
def put_key(key, value):
    from colony import _core as core
    core.kv_put(NS, key.encode(), value.encode(), True)
    return key


@colony.remote
class Ledger:
    def __init__(self):
        self.total = 0

    def add(self, x):
        self.total += x
        return self.total

    def pid(self):
        return os.getpid()


@colony.remote
def spawn_named(name):
    ledger = Ledger.options(name=name, lifetime="detached").remote()
    return colony.get(ledger.add.remote(1))


class _Cluster:
    """Two standby heads, one raylet and this process as the driver, all given both heads."""

    def __init__(self, redis_url: str, health_check_timeout_ms: int | None = None):
        self.token = secrets.token_hex(16)
        self.heads = HeadGroup(redis_url, 2, self.token, leader_lease_ms=LEASE_MS,
                               health_check_timeout_ms=health_check_timeout_ms)
        self.node = None
        try:
            self.leader = self.heads.wait_for_serving()
            self.node = node_mod.NodeProcesses(session_dir=node_mod.new_session_dir(),
                                               token=self.token, gcs_address=self.heads.address)
            self.node.start_raylet(num_cpus=4)
            colony.init(address=self.heads.address, _token=self.token,
                        _raylet_address=self.node.raylet_address, _node_ip="127.0.0.1",
                        namespace=NS)
        except Exception:
            self.shutdown()
            raise

    def shutdown(self):
        colony.shutdown()
        if self.node is not None:
            self.node.stop()
        self.heads.stop_all()


def _log_of(heads: HeadGroup, i: int) -> str:
    with open(os.path.join(heads.heads[i].session_dir, "logs", "gcs.log")) as f:
        return f.read()


def test_standby_takes_over_from_a_killed_leader_twice(redis_server):
    c = _Cluster(redis_server.url)
    redis = redis_server.client()
    try:
        heads = c.heads
        first = c.leader
        second = 1 - first
        assert heads.alive(second) and not heads.serving(second)  # waiting, not listening
        epoch = int(redis.get(_key("EPOCH")))
        assert redis.get(_key("LEADER_ADDRESS")).decode().endswith(f":{heads.ports[first]}")

        ledger = Ledger.options(name="ledger", lifetime="detached").remote()
        owned = Ledger.remote()
        keys = {}
        for i in range(5):
            _core.kv_put(NS, f"before{i}".encode(), f"v{i}".encode(), True)
            keys[f"before{i}"] = f"v{i}"
        # Functions travel through the KV at their first call: export them while it is up.
        assert colony.get(put_key.remote("warm", "w")) == "warm"
        keys["warm"] = "w"
        assert colony.get(spawn_named.remote("spawned-warm")) == 1
        expected = [i * i for i in range(8)]
        assert colony.get([square.remote(i) for i in range(8)]) == expected
        ledger_total = colony.get(ledger.add.remote(1))
        owned_total = colony.get(owned.add.remote(1))
        ledger_pid = colony.get(ledger.pid.remote())

        leader, standby = first, second
        for round_ in range(2):
            heads.kill(leader)
            squares = [square.remote(i) for i in range(8)]
            ledger_total += 10
            assert colony.get(ledger.add.remote(10), timeout=120) == ledger_total
            owned_total += 1
            assert colony.get(owned.add.remote(1), timeout=120) == owned_total
            # Calls that need the GCS wait for the new leader and complete there.
            pending_put = put_key.remote(f"during{round_}", str(round_))
            pending_spawn = spawn_named.remote(f"spawned{round_}")
            assert heads.wait_for_serving(exclude=(leader,)) == standby
            assert colony.get(squares, timeout=120) == expected
            assert colony.get(pending_put, timeout=120) == f"during{round_}"
            keys[f"during{round_}"] = str(round_)
            assert colony.get(pending_spawn, timeout=120) == 1
            fresh = Ledger.remote()
            assert colony.get(fresh.add.remote(5), timeout=120) == 5
            _core.kv_put(NS, f"after{round_}".encode(), b"a", True)
            keys[f"after{round_}"] = "a"
            # The named actor made before is found, with its id and its process.
            found = colony.get_actor("ledger")
            assert found._actor_id == ledger._actor_id
            assert colony.get(found.pid.remote()) == ledger_pid
            assert colony.get(found.add.remote(0)) == ledger_total
            epoch += 1
            assert int(redis.get(_key("EPOCH"))) == epoch
            assert redis.get(_key("LEADER_ADDRESS")).decode().endswith(f":{heads.ports[standby]}")
            # The dead leader comes back as the standby of the next round.
            heads.restart(leader)
            leader, standby = standby, leader

        for key, value in keys.items():
            assert _core.kv_get(NS, key.encode()) == value.encode(), key
        assert set(_core.kv_keys(NS, b"")) == {k.encode() for k in keys}
        assert {"ledger", "spawned-warm", "spawned0", "spawned1"} <= set(list_named_actors())
        assert colony.get(owned.add.remote(0)) == owned_total
        nodes = colony.nodes()
        assert [n["Alive"] for n in nodes] == [True]  # the raylet never re-registered
        for name in ("ledger", "spawned-warm", "spawned0", "spawned1"):
            colony.kill(colony.get_actor(name))
    finally:
        c.shutdown()


def test_a_stopped_leader_is_fenced_and_exits_when_continued(redis_server):
    c = _Cluster(redis_server.url, health_check_timeout_ms=60000)
    redis = redis_server.client()
    try:
        heads = c.heads
        old = c.leader
        new = 1 - old
        _core.kv_put(NS, b"before", b"1", True)
        old_epoch = int(redis.get(_key("EPOCH")))

        os.kill(heads.proc(old).pid, signal.SIGSTOP)
        # The old leader cannot renew: its lease lapses and the standby takes over.
        assert heads.wait_for_serving(exclude=(old,)) == new
        assert int(redis.get(_key("EPOCH"))) == old_epoch + 1
        new_token = redis.get(_key("LEADER"))
        assert f":{heads.ports[new]}/".encode() in new_token
        snapshot = {k: redis.dump(k) for k in redis.keys(_key("*")) if k != _key("LEADER").encode()}

        # The driver's channel still points at the stopped leader: this write waits there.
        done = {}
        writer = threading.Thread(
            target=lambda: done.setdefault("put", _core.kv_put(NS, b"during", b"2", True)))
        writer.start()
        os.kill(heads.proc(old).pid, signal.SIGCONT)
        # Continued, it finds its lease gone (or a write of its refused) and exits at once.
        assert heads.proc(old).wait(timeout=60) == 3
        log = _log_of(heads, old)
        assert "stepping down at once" in log, log[-2000:]
        # It wrote nothing: the tables, epoch, address and lease are the new leader's.
        after = {k: redis.dump(k) for k in redis.keys(_key("*")) if k != _key("LEADER").encode()}
        kv_hash = _key(f"KV@{NS}").encode()
        assert {k: v for k, v in after.items() if k != kv_hash} == \
               {k: v for k, v in snapshot.items() if k != kv_hash}
        assert redis.hget(kv_hash, b"before") == b"1"
        assert redis.get(_key("LEADER")) == new_token
        assert int(redis.get(_key("EPOCH"))) == old_epoch + 1
        assert redis.get(_key("LEADER_ADDRESS")).decode().endswith(f":{heads.ports[new]}")

        # The driver's write moved to the new leader once the old one was gone.
        writer.join(timeout=120)
        assert not writer.is_alive()
        assert _core.kv_get(NS, b"during") == b"2"
        assert redis.hget(kv_hash, b"during") == b"2"
        assert colony.get(square.remote(3), timeout=120) == 9
    finally:
        c.shutdown()


def test_standby_flags_are_checked(redis_server):
    import subprocess
    gcs = os.path.join(node_mod.bin_dir(), "colony-gcs")
    for args, message in [
        (["--standby", "--port", "1"], "--standby needs --storage redis://"),
        (["--standby", "--storage", redis_server.url], "--standby needs a fixed --port"),
        (["--standby", "--port", "1", "--storage", redis_server.url, "--leader-lease-ms", "5"],
         "invalid value for --leader-lease-ms"),
    ]:
        out = subprocess.run([gcs, *args], capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, out
        assert message in out.stderr, out.stderr
    # A GCS without --standby does not start beside a lease holder.
    heads = HeadGroup(redis_server.url, 1, secrets.token_hex(16), leader_lease_ms=LEASE_MS)
    try:
        heads.wait_for_serving()
        out = subprocess.run([gcs, "--storage", redis_server.url, "--port", "0"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1
        assert "start this GCS with --standby" in out.stdout + out.stderr
    finally:
        heads.stop_all()
