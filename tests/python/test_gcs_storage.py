"""The GCS's Redis storage against a real redis-server (tests/python/redis_util.py): what
a GCS acknowledges is in Redis under its cluster's prefix, clusters sharing a Redis keep
apart, and bad storage settings are refused with an error that names the problem."""

from __future__ import annotations

import os
import subprocess

import pytest

import colony
from colony import _core
from colony._private import node as node_mod
from colony.cluster_utils import Cluster
from colony_testutil import wait_for
from redis_util import RedisServer


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


def _hash(redis_server, cluster_id: str, table: str) -> dict:
    return redis_server.client().hgetall(f"colony@{cluster_id}@{table}")


def test_every_table_is_written_through_to_redis(redis_server):
    cluster = Cluster(head_node_args={"num_cpus": 2}, gcs_storage=redis_server.url)
    try:
        cluster.connect(namespace="storage")

        @colony.remote
        class Counter:
            def __init__(self):
                self.n = 0

            def add(self):
                self.n += 1
                return self.n

        keeper = Counter.options(name="keeper", lifetime="detached").remote()
        assert colony.get(keeper.add.remote()) == 1
        assert _core.kv_put("user", b"answer", b"42", True) is True

        nodes = _hash(redis_server, "default", "NODE")
        assert len(nodes) == 1
        jobs = _hash(redis_server, "default", "JOB")
        assert len(jobs) == 1
        assert _hash(redis_server, "default", "COUNTER")[b"job"] == b"1"
        actors = _hash(redis_server, "default", "ACTOR")
        assert len(actors) == 1
        record = next(iter(actors.values()))
        assert b"keeper" in record and b"storage" in record  # name and namespace
        assert _hash(redis_server, "default", "KV@user") == {b"answer": b"42"}
        # The KV is read back from Redis, not from a cache.
        redis_server.client().hset("colony@default@KV@user", "set-outside", "x")
        assert _core.kv_get("user", b"set-outside") == b"x"
        assert sorted(_core.kv_keys("user", b"")) == [b"answer", b"set-outside"]
        assert _core.kv_del("user", b"", True) == 2
        assert _hash(redis_server, "default", "KV@user") == {}
        colony.kill(keeper)
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_two_clusters_share_one_redis(redis_server):
    first = node_mod.NodeProcesses(node_mod.new_session_dir(), "t1")
    second = node_mod.NodeProcesses(node_mod.new_session_dir(), "t2")
    try:
        first.start_gcs(storage=redis_server.url, cluster_id="first")
        second.start_gcs(storage=redis_server.url, cluster_id="second")
        # Each GCS publishes its session folder in its KV: one key per cluster, apart.
        wait_for(lambda: _hash(redis_server, "first", "KV@session"), what="first's KV")
        wait_for(lambda: _hash(redis_server, "second", "KV@session"), what="second's KV")
        assert (_hash(redis_server, "first", "KV@session")[b"session_dir"].decode()
                == first.session_dir)
        assert (_hash(redis_server, "second", "KV@session")[b"session_dir"].decode()
                == second.session_dir)
    finally:
        first.stop()
        second.stop()


def _run_gcs(*args, env=None):
    binary = os.path.join(node_mod.bin_dir(), "colony-gcs")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


@pytest.mark.parametrize("url, why", [
    ("redis:/127.0.0.1:6379", "does not start with redis://"),
    ("redis://127.0.0.1", "no port"),
    ("redis://127.0.0.1:99999", "port is not in 1-65535"),
    ("redis://127.0.0.1:6379/zero", "DB is not a number"),
    ("redis://user:pw@127.0.0.1:6379", "COLONY_REDIS_PASSWORD"),
])
def test_bad_storage_addresses_are_refused(url, why):
    result = _run_gcs("--storage", url)
    assert result.returncode == 2
    assert why in result.stderr and url in result.stderr


def test_bad_cluster_id_is_refused():
    result = _run_gcs("--storage", "redis://127.0.0.1:6379", "--cluster-id", "a b")
    assert result.returncode == 2
    assert "invalid cluster id 'a b'" in result.stderr


def test_wrong_redis_password_is_refused():
    with RedisServer(password="right") as server:
        result = _run_gcs("--storage", server.url, env={"COLONY_REDIS_PASSWORD": "wrong"})
        assert result.returncode == 1
        assert "AUTH refused" in result.stderr
        result = _run_gcs("--storage", server.url)  # none given
        assert result.returncode == 1
        assert "NOAUTH" in result.stderr or "Authentication required" in result.stderr
