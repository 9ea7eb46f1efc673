#!/usr/bin/env python3
"""1:1 actor call rates from a Python driver: to a Python actor and to a Java actor (XLANG
arguments and results), with Ray's timing (1 s warm-up, rounds of >= 2 s). The Java ->
Python rows come from bench/java/run.sh.

    python3 bench/xlang_calls.py [--rounds 5] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import colony
from colony import cross_language
from java_fixtures import compile_java_fixtures


def timeit(fn, multiplier: float, rounds: int) -> tuple[float, float]:
    end = time.perf_counter() + 1
    while time.perf_counter() < end:
        fn()
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        calls = 0
        while time.perf_counter() - start < 2:
            fn()
            calls += 1
        rates.append(multiplier * calls / (time.perf_counter() - start))
    return statistics.mean(rates), statistics.pstdev(rates)


@colony.remote(num_cpus=0)
class PyCounter:
    def increment(self, by):
        return by


def rows_for(name: str, method, rounds: int) -> dict:
    return {
        f"1:1 actor calls sync ({name})": timeit(lambda: colony.get(method.remote(1)), 1, rounds),
        f"1:1 actor calls async ({name})": timeit(
            lambda: colony.get([method.remote(1) for _ in range(1000)]), 1000, rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    classes = compile_java_fixtures()
    colony.init(job_config=colony.JobConfig(code_search_path=[classes]))
    try:
        py_actor = PyCounter.remote()
        java_actor = cross_language.java_actor_class("xlang.Counter").remote(0)
        results = {**rows_for("Python -> Python", py_actor.increment, args.rounds),
                   **rows_for("Python -> Java", java_actor.increment, args.rounds)}
    finally:
        colony.shutdown()
    print(f"{'row':45s} {'mean per second':>16s} {'± stddev':>10s}")
    for name, (mean, sd) in results.items():
        print(f"{name:45s} {mean:16,.2f} {sd:10,.2f}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"rounds": args.rounds,
                       "rows": {k: {"mean": m, "stddev": s} for k, (m, s) in results.items()}},
                      f, indent=2)


if __name__ == "__main__":
    main()
