"""GCS restart on Redis storage (docs/fault_tolerance.md): colony-gcs is SIGKILLed while a
job runs tasks, actor calls, named and detached actors and KV writes, and started again
on the same address; nothing acknowledged is lost. Also a restart of redis-server itself,
and a node that dies while the GCS is away. Real processes and a real redis-server."""

from __future__ import annotations

import os
import signal

import pytest

import colony
from colony import _core
from colony.cluster_utils import Cluster
from colony.exceptions import ActorDiedError, GetTimeoutError
from colony.util import list_named_actors
from colony_testutil import wait_for
from redis_util import RedisServer

NS = "ft"


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


@colony.remote
def square(x):
    return x * x


@colony.remote
def put_key(key, value):
    # In a worker: a KV write issued while the GCS is away waits for it (retried).
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
def spawn_detached(name):
    # Registering an actor while the GCS is away waits for it too.
    ledger = Ledger.options(name=name, lifetime="detached").remote()
    return colony.get(ledger.add.remote(1))


def _pid_or_none(handle):
    try:
        return colony.get(handle.pid.remote(), timeout=30)
    except (ActorDiedError, GetTimeoutError):
        return None


def _dead(handle) -> bool:
    try:
        colony.get(handle.pid.remote(), timeout=30)
        return False
    except ActorDiedError:
        return True


def test_workload_survives_two_gcs_kills(redis_server):
    cluster = Cluster(head_node_args={"num_cpus": 4}, gcs_storage=redis_server.url)
    try:
        cluster.connect(namespace=NS)
        ledger = Ledger.options(name="ledger", lifetime="detached").remote()
        owned = Ledger.remote()
        # One restart allowed, used up before the GCS dies: the count must survive.
        flaky = Ledger.options(name="flaky", max_restarts=1).remote()
        first_pid = colony.get(flaky.pid.remote())
        os.kill(first_pid, signal.SIGKILL)
        second_pid = wait_for(lambda: (_pid_or_none(flaky) or first_pid) != first_pid
                              and _pid_or_none(flaky), timeout=60, what="flaky's restart")

        keys = {}
        for i in range(5):
            _core.kv_put(NS, f"before{i}".encode(), f"v{i}".encode(), True)
            keys[f"before{i}"] = f"v{i}"
        # Functions are exported through the KV at their first call: do it while it is up.
        assert colony.get(put_key.remote("warm", "w")) == "warm"
        keys["warm"] = "w"
        assert colony.get(spawn_detached.remote("spawned-warm")) == 1
        expected_squares = [i * i for i in range(8)]
        assert colony.get([square.remote(i) for i in range(8)]) == expected_squares
        ledger_total = colony.get(ledger.add.remote(1))
        owned_total = colony.get(owned.add.remote(1))

        for round_ in range(2):
            cluster.kill_gcs()
            # Tasks are leased from the raylet; a worker that has not loaded the function
            # yet waits for the GCS's KV, so their results are checked after the restart.
            squares = [square.remote(i) for i in range(8)]
            # Direct actor calls need no GCS.
            ledger_total += 10
            assert colony.get(ledger.add.remote(10), timeout=120) == ledger_total
            owned_total += 1
            assert colony.get(owned.add.remote(1), timeout=120) == owned_total
            # Calls that need the GCS wait for it and complete after the restart.
            pending_put = put_key.remote(f"during{round_}", str(round_))
            pending_spawn = spawn_detached.remote(f"spawned{round_}")
            cluster.restart_gcs()
            assert colony.get(squares, timeout=120) == expected_squares
            assert colony.get(pending_put, timeout=120) == f"during{round_}"
            keys[f"during{round_}"] = str(round_)
            assert colony.get(pending_spawn, timeout=120) == 1
            # The new GCS serves new work: an actor, a KV write, a name lookup.
            fresh = Ledger.remote()
            assert colony.get(fresh.add.remote(5), timeout=120) == 5
            _core.kv_put(NS, f"after{round_}".encode(), b"a", True)
            keys[f"after{round_}"] = "a"
            assert colony.get(colony.get_actor("ledger").add.remote(0)) == ledger_total

        for key, value in keys.items():
            assert _core.kv_get(NS, key.encode()) == value.encode(), key
        assert set(_core.kv_keys(NS, b"")) == {k.encode() for k in keys}
        names = set(list_named_actors())
        assert {"ledger", "flaky", "spawned-warm", "spawned0", "spawned1"} <= names
        assert colony.get(owned.add.remote(0)) == owned_total  # same process, same state
        # The restart count survived: flaky's second crash ends it.
        os.kill(second_pid, signal.SIGKILL)
        wait_for(lambda: _dead(flaky), timeout=60, what="flaky to be dead")

        # Detached lifetimes survived: the driver leaves, the detached actors stay.
        colony.shutdown()
        cluster.connect(namespace=NS)
        assert colony.get(colony.get_actor("ledger").add.remote(0)) == ledger_total
        assert colony.get(colony.get_actor("spawned1").add.remote(0)) == 1
        colony.kill(colony.get_actor("ledger"))
        colony.kill(colony.get_actor("spawned-warm"))
        colony.kill(colony.get_actor("spawned0"))
        colony.kill(colony.get_actor("spawned1"))
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_gcs_waits_for_a_restarted_redis(redis_server):
    cluster = Cluster(head_node_args={"num_cpus": 2}, gcs_storage=redis_server.url)
    try:
        cluster.connect(namespace=NS)
        _core.kv_put(NS, b"before", b"1", True)
        assert colony.get(put_key.remote("warm", "w")) == "warm"
        ledger = Ledger.remote()
        assert colony.get(ledger.add.remote(1)) == 1
        redis_server.kill()
        # Store operations wait for Redis (the GCS holds their replies); direct actor calls
        # need neither.
        pending = put_key.remote("during", "2")
        assert colony.get(ledger.add.remote(1), timeout=120) == 2
        redis_server.start()  # same port and folder: the append-only file comes back
        assert colony.get(pending, timeout=120) == "during"
        assert _core.kv_get(NS, b"during") == b"2"
        assert _core.kv_get(NS, b"before") == b"1"
        # And a GCS restarted afterwards finds everything in the restarted Redis.
        cluster.kill_gcs()
        cluster.restart_gcs()
        assert _core.kv_get(NS, b"during") == b"2"
        assert colony.get(ledger.add.remote(1), timeout=120) == 3
        named = Ledger.options(name="after-redis").remote()
        assert colony.get(named.add.remote(2), timeout=120) == 2
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_node_that_dies_while_the_gcs_is_away_is_marked_dead(redis_server):
    cluster = Cluster(head_node_args={"num_cpus": 1}, gcs_storage=redis_server.url,
                      health_check_timeout_ms=3000)
    try:
        worker = cluster.add_node(num_cpus=1)
        cluster.connect(namespace=NS)
        wait_for(lambda: sum(n["Alive"] for n in colony.nodes()) == 2, timeout=60,
                 what="two live nodes")
        cluster.kill_gcs()
        cluster.remove_node(worker, allow_graceful=False)  # SIGKILL: it cannot say goodbye
        cluster.restart_gcs()
        wait_for(lambda: {n["NodeID"]: n["Alive"] for n in colony.nodes()}.get(worker.node_id)
                 is False, timeout=60, what="the dead node to be marked dead")
        head = cluster.head_node.node_id
        assert {n["NodeID"]: n["Alive"] for n in colony.nodes()}[head] is True
        assert colony.get(square.remote(4), timeout=120) == 16
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_colony_start_head_with_redis_storage(redis_server):
    from test_cluster_cli import Cli  # the CLI runner with a private TMPDIR
    cli = Cli()
    try:
        bad = cli.run("start", "--head", "--no-dashboard", "--storage", "redis://nowhere")
        assert bad.returncode != 0
        assert "invalid Redis address 'redis://nowhere': no port" in bad.stdout + bad.stderr
        started = cli.run("start", "--head", "--num-cpus", "1", "--no-dashboard",
                          "--storage", redis_server.url, "--cluster-id", "cli-test")
        assert started.returncode == 0, started.stderr
        out = cli.driver(f"""
            import colony
            from colony import _core
            colony.init(address="auto")
            _core.kv_put("{NS}", b"from-cli", b"yes", True)
            print("ok")
        """)
        assert out.returncode == 0 and "ok" in out.stdout, out.stderr
        client = redis_server.client()
        assert client.hlen("colony@cli-test@NODE") == 1
        assert client.hget(f"colony@cli-test@KV@{NS}", "from-cli") == b"yes"
        assert not client.exists("colony@default@NODE")  # only under its cluster id
    finally:
        cli.cleanup()


def test_gcs_stops_promptly_while_redis_is_away(redis_server):
    cluster = Cluster(head_node_args={"num_cpus": 2}, gcs_storage=redis_server.url)
    gcs = cluster.head_node.processes.procs[0]
    log = os.path.join(cluster.head_node.processes.session_dir, "logs", "gcs.log")
    try:
        cluster.connect(namespace=NS)
        assert colony.get(put_key.remote("warm", "w")) == "warm"
        redis_server.kill()
        put_key.remote("during", "x")  # its KvPut waits in the GCS for Redis
        wait_for(lambda: "GCS writes wait until it is back" in open(log).read(), timeout=60,
                 what="the GCS to find Redis gone")
        colony.shutdown()
        # SIGTERM: the write waiting for Redis is failed (Unavailable, so its caller would
        # retry against the next GCS) instead of holding the GCS's shutdown forever.
        gcs.send_signal(signal.SIGTERM)
        assert gcs.wait(timeout=60) == 0
    finally:
        colony.shutdown()
        cluster.shutdown()
