#!/usr/bin/env python3
"""Creating 64 Java actors with one JVM per actor (java_actors_per_worker=1) against 16
actors per JVM: wall time until all 64 answer a call, JVM processes, and their total
resident memory.

    python3 bench/java_actor_density.py [--actors 64] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time

import colony
from colony import cross_language

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def jvm_rss_mb() -> tuple[int, float]:
    pids = subprocess.run(["pgrep", "-f", "io.colony.runtime.WorkerMain"], capture_output=True,
                          text=True).stdout.split()
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            pass
    return len(pids), total_kb / 1024


def measure(classes: str, per_jvm: int, actors: int) -> dict:
    colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[classes],
                                                        java_actors_per_worker=per_jvm))
    try:
        start = time.perf_counter()
        Counter = cross_language.java_actor_class("xlang.Counter")
        handles = [Counter.remote(i) for i in range(actors)]
        colony.get([h.get.remote() for h in handles], timeout=600)
        seconds = time.perf_counter() - start
        jvms, rss = jvm_rss_mb()
        pids = len(set(colony.get([h.pid.remote() for h in handles])))
    finally:
        colony.shutdown()
    return {"actors_per_jvm": per_jvm, "seconds": seconds, "jvms": jvms, "actor_pids": pids,
            "jvm_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=64)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    classes = tempfile.mkdtemp(prefix="colony-density-")
    sources = [os.path.join(root, f) for root, _, files in
               os.walk(os.path.join(REPO, "xlang_tests", "java")) for f in files
               if f.endswith(".java")]
    subprocess.run(["javac", "-d", classes, *sources], check=True)
    rows = [measure(classes, n, args.actors) for n in (1, 16)]
    print(f"{args.actors} Java actors")
    print(f"{'actors per JVM':>15s} {'seconds':>9s} {'JVMs':>6s} {'JVM RSS total MB':>17s}")
    for r in rows:
        print(f"{r['actors_per_jvm']:15d} {r['seconds']:9.1f} {r['actor_pids']:6d} "
              f"{r['jvm_rss_mb']:17.0f}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"actors": args.actors, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
