"""The per-node supervisor (issue 17): how long a node takes to heal after a SIGKILL.

    python3 bench/supervisor_restart.py [--rounds 3] [--record]

A `colony start --head --num-cpus 1 --no-dashboard` cluster in a private TMPDIR (like the
tests), with `--restart-window 1` and rounds more than a window apart, so every crash is a
first crash and waits the first backoff (0.5 s, included in the figures). Rows, median of
`--rounds`:

  raylet            SIGKILL of the raylet to the supervisor's record of the restarted raylet
                    (it records it once the new raylet wrote its port file, i.e. registered
                    with the GCS as a new node), then to a new driver's first task answered
                    (includes starting that driver and its worker)
  GCS, memory       SIGKILL of the GCS to the restarted GCS serving on its port, then to the
                    node's raylet restarted and registered again (the empty GCS declares the
                    old node dead; the raylet exits and is restarted)
  GCS, redis        the same with --storage redis://... (a local redis-server): the GCS
                    reloads and the raylet keeps running

Prints a table; `--record` adds it to bench/RESULTS.md. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "python"))

from redis_util import RedisServer  # noqa: E402
from results_md import markdown_table, record, section  # noqa: E402

DRIVER = """
import colony
colony.init(address="auto")
@colony.remote
def one():
    return 1
assert colony.get(one.remote(), timeout=120) == 1
"""


class Head:
    def __init__(self, *extra):
        self.tmp = tempfile.mkdtemp(prefix="csbench", dir="/tmp")
        self.env = dict(os.environ, TMPDIR=self.tmp)
        self.env.pop("COLONY_CLUSTER_TOKEN", None)
        out = self.cli("start", "--head", "--num-cpus", "1", "--no-dashboard",
                       "--max-restarts", "100", "--restart-window", "1", *extra)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        with open(os.path.join(self.tmp, f"colony-{os.geteuid()}", "current_cluster.json")) as f:
            self.session = json.load(f)["supervisors"][0]["session_dir"]

    def cli(self, *args):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=300)

    def state(self) -> dict:
        while True:
            try:
                with open(os.path.join(self.session, "supervisor.json")) as f:
                    return json.load(f)
            except (OSError, ValueError):
                time.sleep(0.01)  # replaced atomically; only a missing file is retried

    def wait_restarted(self, name: str, before: int, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state()["restarts"][name] > before:
                return time.monotonic()
            time.sleep(0.005)
        raise RuntimeError(f"{name} was not restarted within {timeout}s")

    def kill(self, name: str) -> tuple:
        """SIGKILLs child `name`; returns (time, restarts of each child before)."""
        st = self.state()
        t0 = time.monotonic()
        os.kill(st["children"][name], signal.SIGKILL)
        return t0, dict(st["restarts"])

    def driver(self) -> None:
        out = subprocess.run([sys.executable, "-c", DRIVER], env=self.env, capture_output=True,
                             text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)

    def stop(self) -> None:
        self.cli("stop")
        shutil.rmtree(self.tmp, ignore_errors=True)


def _between_rounds() -> None:
    time.sleep(1.5)  # past --restart-window 1: the next crash is a first crash again


def bench_raylet(rounds: int) -> list:
    head = Head()
    up, task = [], []
    try:
        head.driver()  # the worker's first start is not part of the figure
        for _ in range(rounds):
            _between_rounds()
            t0, before = head.kill("raylet")
            up.append(head.wait_restarted("raylet", before["raylet"]) - t0)
            head.driver()
            task.append(time.monotonic() - t0)
    finally:
        head.stop()
    return [("raylet SIGKILL to restarted raylet registered as a new node", up),
            ("raylet SIGKILL to a new driver's first task answered", task)]


def bench_gcs(rounds: int, storage: str | None) -> list:
    extra = ["--storage", storage] if storage else []
    head = Head(*extra)
    serving, node_back = [], []
    try:
        for _ in range(rounds):
            _between_rounds()
            t0, before = head.kill("gcs")
            serving.append(head.wait_restarted("gcs", before["gcs"]) - t0)
            if not storage:
                node_back.append(head.wait_restarted("raylet", before["raylet"]) - t0)
            head.driver()
        if storage and head.state()["restarts"]["raylet"]:
            raise RuntimeError("the raylet restarted although the GCS reloaded from Redis")
    finally:
        head.stop()
    what = "redis" if storage else "memory"
    rows = [(f"GCS SIGKILL to restarted GCS serving on its port ({what})", serving)]
    if node_back:
        rows.append(("GCS SIGKILL to the node's raylet registered again (memory)", node_back))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    rows = bench_raylet(args.rounds) + bench_gcs(args.rounds, None)
    with RedisServer() as redis:
        rows += bench_gcs(args.rounds, redis.url)
    table = markdown_table(
        ["what", "median", "min", "max"],
        [(what, f"{statistics.median(xs):.2f} s", f"{min(xs):.2f} s", f"{max(xs):.2f} s")
         for what, xs in rows])
    print(table)
    if args.record:
        record(section(
            "supervisor restarts (issue 17)",
            "`bench/supervisor_restart.py`: a `colony start --head --num-cpus 1` node; each "
            "figure is from a SIGKILL to the healed state, including the supervisor's first "
            "backoff of 0.5 s and its 0.1 s watch interval.",
            f"python3 bench/supervisor_restart.py --rounds {args.rounds} --record", table,
            "other helpers' builds and tests ran at the same time"))

if __name__ == "__main__":
    main()
