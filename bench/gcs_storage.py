"""GCS storage (issue 17): what Redis costs against the in-memory store, and how long a
restarted GCS takes to serve again with a big table to reload.

    python3 bench/gcs_storage.py [--writes 2000] [--actors 20] [--restart-actors 1000]
                                 [--restart-nodes 100] [--record]

Rows, for `--storage memory` and `--storage redis://...` (a redis-server started here on a
free port, append-only file on, as tests/python/redis_util.py does):

  KV put / get      a driver's synchronous KvPut/KvGet round trips, one at a time (the put
                    is acknowledged once the store has it: memory, or Redis)
  actor creation    `--actors` actors created at once and each called once, median of 3
                    rounds (includes starting their worker processes, which dominates)
  GCS start         a GCS of a new cluster (nothing to reload), spawn to port file
  GCS restart       SIGKILL colony-gcs and start it again on the same address; seconds from
                    the new process's start to its port file (it writes it once the tables
                    are loaded and it serves) and to a driver's first answered KvGet. With
                    Redis the ACTOR and NODE hashes are first filled to `--restart-actors`
                    and `--restart-nodes` records by copying real records under new IDs;
                    the row names what the new GCS logged it reloaded.

Prints a table; `--record` adds it to bench/RESULTS.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "python"))

import colony  # noqa: E402
from colony import _core  # noqa: E402
from colony._private import node as node_mod  # noqa: E402
from colony.cluster_utils import Cluster  # noqa: E402
from redis_util import RedisServer  # noqa: E402  (the tests' redis-server helper)
from results_md import markdown_table, record, section  # noqa: E402


@colony.remote
class Probe:
    def ping(self):
        return os.getpid()


def _per_call_us(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n * 1e6


def _kv_rows(label: str, n: int) -> list:
    payload = b"x" * 100
    put = _per_call_us(lambda i: _core.kv_put("bench", f"k{i}".encode(), payload, True), n)
    get = _per_call_us(lambda i: _core.kv_get("bench", f"k{i}".encode()), n)
    return [(f"{label}: KV put, {n} one at a time", f"{put:.0f} us/put", f"{1e6 / put:.0f} puts/s"),
            (f"{label}: KV get, {n} one at a time", f"{get:.0f} us/get", f"{1e6 / get:.0f} gets/s")]


def _actor_row(label: str, n: int, rounds: int = 3) -> tuple:
    walls = []
    for _ in range(rounds):
        start = time.perf_counter()
        actors = [Probe.remote() for _ in range(n)]
        colony.get([a.ping.remote() for a in actors], timeout=600)
        walls.append(time.perf_counter() - start)
        for a in actors:
            colony.kill(a)
    wall = statistics.median(walls)
    return (f"{label}: actor creation, {n} at once to first reply (median of {rounds})",
            f"{wall:.2f} s", f"{n / wall:.1f} actors/s")


def _fill(redis: RedisServer, table: str, want: int, id_size: int = 16) -> int:
    """Copies the table's records under new random IDs (replacing the ID's bytes wherever
    they occur in the record) until it holds `want`."""
    client = redis.client()
    key = f"colony@default@{table}"
    originals = client.hgetall(key)
    if not originals:
        return 0
    pipe = client.pipeline(transaction=False)
    count = len(originals)
    models = list(originals.items())
    while count < want:
        old_id, record = models[count % len(models)]
        new_id = secrets.token_bytes(id_size)
        pipe.hset(key, new_id, record.replace(old_id, new_id))
        count += 1
    pipe.execute()
    return client.hlen(key)


def _loaded_line(cluster: Cluster) -> str:
    """What the newest GCS says it reloaded ("N nodes, J jobs, A actors")."""
    log = os.path.join(cluster.head_node.processes.session_dir, "logs", "gcs.log")
    with open(log) as f:
        lines = [line for line in f if "loaded from" in line]
    return lines[-1].split(": ", 1)[1].strip() if lines else "?"


def _restart_row(label: str, cluster: Cluster) -> tuple:
    cluster.kill_gcs()
    start = time.perf_counter()
    cluster.restart_gcs()  # returns once the new GCS wrote its port file
    serving = time.perf_counter() - start
    assert _core.kv_get("bench", b"k0") is not None
    answered = time.perf_counter() - start
    return (f"{label}: GCS restart reloading {_loaded_line(cluster)} (KV read on demand)",
            f"{serving:.3f} s to serving", f"{answered:.3f} s to a driver's first answer")


def _cold_start_row(label: str, storage: str | None) -> tuple:
    """A GCS of a new cluster: nothing to reload (memory, or a fresh cluster id in Redis)."""
    processes = node_mod.NodeProcesses(node_mod.new_session_dir(), secrets.token_hex(8))
    try:
        start = time.perf_counter()
        processes.start_gcs(storage=storage, cluster_id=f"fresh{secrets.token_hex(4)}")
        serving = time.perf_counter() - start
    finally:
        processes.stop()
    return (f"{label}: GCS start of a new cluster (nothing to reload)",
            f"{serving:.2f} s to serving", "")


def _run(storage: str | None, label: str, args, redis: RedisServer | None) -> list:
    cluster = Cluster(head_node_args={"num_cpus": 4}, gcs_storage=storage)
    rows = []
    try:
        cluster.connect(namespace="bench")
        colony.get(Probe.remote().ping.remote())  # warm: exports the class, starts a worker
        rows += _kv_rows(label, args.writes)
        rows.append(_actor_row(label, args.actors))
        rows.append(_cold_start_row(label, storage))
        if redis is not None:
            keepers = [Probe.options(name=f"keeper{i}", lifetime="detached").remote()
                       for i in range(4)]
            colony.get([k.ping.remote() for k in keepers], timeout=600)
            _fill(redis, "ACTOR", args.restart_actors)
            _fill(redis, "NODE", args.restart_nodes)
            rows.append(_restart_row(label, cluster))
    finally:
        colony.shutdown()
        cluster.shutdown()
    return rows


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--writes", type=int, default=2000)
    p.add_argument("--actors", type=int, default=20)
    p.add_argument("--restart-actors", type=int, default=1000)
    p.add_argument("--restart-nodes", type=int, default=100)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()

    rows = _run(None, "memory", args, None)
    with RedisServer() as redis:
        rows += _run(redis.url, "redis", args, redis)
    text = markdown_table(["what", "figure", "rate"], rows)
    print(text)
    if args.record:
        command = (f"python3 bench/gcs_storage.py --writes {args.writes} --actors {args.actors} "
                   f"--restart-actors {args.restart_actors} --restart-nodes "
                   f"{args.restart_nodes} --record")
        record(section(
            "GCS storage, Redis against memory, and GCS restart (issue 17)",
            "`bench/gcs_storage.py`: a 1-node `Cluster` (4 CPUs) with the GCS's tables in "
            "memory, then in a local redis-server (append-only file on, `appendfsync "
            "everysec`). KV rows are a driver's synchronous round trips; a restart is "
            "timed from SIGKILL-and-respawn to the new GCS's port file (written after "
            "the reload) and to a driver's first answered call.",
            command, text, "other helpers' builds and tests ran at the same time"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
