"""Standby head (issue 17): how long clients are without a GCS when the leader goes away.

    python3 bench/standby_takeover.py [--rounds 3] [--leases 1000,3000]
                                      [--signals SIGKILL,SIGTERM] [--record]

Two `colony-gcs --standby` on a local redis-server (append-only file on), one raylet, and
this process as the driver, all given both heads' addresses. Each round stops the leader
and times, from the signal:

  serving     the standby's port file (written once it took the lease, loaded the
              tables and listens)
  first call  the driver's first successful GCS call (a KV put it issued right after the
              signal, retried by the client with its usual backoff)

then starts the old leader again as the standby of the next round. SIGKILL leaves the
lease to lapse (--leader-lease-ms); SIGTERM releases it. Median, min and max of
`--rounds` per row. Prints a table; `--record` adds it to bench/RESULTS.md. Not a test.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "python"))

import colony  # noqa: E402
from colony import _core  # noqa: E402
from colony._private import node as node_mod  # noqa: E402
from colony._private.head_group import HeadGroup  # noqa: E402
from redis_util import RedisServer  # noqa: E402
from results_md import markdown_table, record, section  # noqa: E402

NS = "bench"


def one_round(heads: HeadGroup, leader: int, sig: int) -> tuple[float, float]:
    standby = 1 - leader
    # The standby is waiting (alive, not serving) before the clock starts.
    deadline = time.monotonic() + 60
    while not heads.alive(standby) or heads.serving(standby):
        if time.monotonic() > deadline:
            raise RuntimeError("the standby is not standing by")
        time.sleep(0.01)
    time.sleep(0.5)  # let it settle into its polling
    served = {}

    def watch():
        heads.wait_for_serving(exclude=(leader,), timeout=120)
        served["t"] = time.monotonic()

    watcher = threading.Thread(target=watch)
    start = time.monotonic()
    os.kill(heads.proc(leader).pid, sig)
    watcher.start()
    _core.kv_put(NS, b"k", str(start).encode(), True)
    first_call = time.monotonic() - start
    watcher.join()
    heads.proc(leader).wait(timeout=60)
    heads.restart(leader)
    return served["t"] - start, first_call


def stats(values):
    return (f"{statistics.median(values):.2f} s", f"{min(values):.2f} s", f"{max(values):.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--leases", default="1000,3000",
                        help="--leader-lease-ms values, comma-separated")
    parser.add_argument("--signals", default="SIGKILL,SIGTERM",
                        help="how the leader is stopped, comma-separated")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    leases = [int(x) for x in args.leases.split(",")]
    signals = [(name, getattr(signal, name)) for name in args.signals.split(",")]
    rows = []
    for lease_ms in leases:
        with RedisServer() as redis:
            token = secrets.token_hex(16)
            heads = HeadGroup(redis.url, 2, token, leader_lease_ms=lease_ms)
            node = node_mod.NodeProcesses(session_dir=node_mod.new_session_dir(), token=token,
                                          gcs_address=heads.address)
            try:
                leader = heads.wait_for_serving()
                node.start_raylet(num_cpus=1)
                colony.init(address=heads.address, _token=token,
                            _raylet_address=node.raylet_address, _node_ip="127.0.0.1")
                for name, sig in signals:
                    serving, first = [], []
                    for _ in range(args.rounds):
                        s, f = one_round(heads, leader, sig)
                        serving.append(s)
                        first.append(f)
                        leader = 1 - leader
                    rows.append([f"{name} of the leader, lease {lease_ms} ms: standby serving",
                                 *stats(serving)])
                    rows.append([f"{name} of the leader, lease {lease_ms} ms: driver's first "
                                 f"GCS call", *stats(first)])
                    print(rows[-2], rows[-1], flush=True)
            finally:
                colony.shutdown()
                node.stop()
                heads.stop_all()
    table = markdown_table(["what", "median", "min", "max"], rows)
    print(table)
    if args.record:
        intro = ("`bench/standby_takeover.py`: two `colony-gcs --standby` on a local "
                 "redis-server, one raylet and a driver given both heads' addresses; each "
                 "figure is from the signal to the leader to the standby serving (port file) "
                 "and to the driver's first successful GCS call (a KV put issued right after "
                 "the signal).")
        record(section("standby head takeover (issue 17)", intro,
                       f"python3 bench/standby_takeover.py --rounds {args.rounds} "
                       f"--leases {args.leases} --signals {args.signals} --record", table,
                       "other helpers' builds and tests ran at the same time"))


if __name__ == "__main__":
    main()
