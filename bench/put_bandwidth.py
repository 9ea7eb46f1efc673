#!/usr/bin/env python3
"""How close put() of a large array gets to the machine's memory bandwidth.

Ray's "put gigabytes" rows put np.zeros, whose pages all map the kernel's one zero page, so
only the writes touch memory. This script puts an array of real data (np.ones) and sets the
figure beside a plain numpy copy of the same array in the same process, and beside get(),
which maps the stored bytes without copying.

    python3 bench/put_bandwidth.py [--size-mb 800] [--rounds 10] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import colony


def rate(fn, gigabytes: float, rounds: int) -> tuple[float, float]:
    fn()  # warm-up: first touch of the pages
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        rates.append(gigabytes / (time.perf_counter() - start))
    return statistics.mean(rates), statistics.pstdev(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--output", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    n = args.size_mb * 1024 * 1024 // 8
    gigabytes = n * 8 / 1e9
    array = np.ones(n, dtype=np.int64)
    copy_target = np.empty_like(array)
    colony.init(num_cpus=1, object_store_memory=max(2 * n * 8 + (64 << 20), 256 << 20))
    try:
        ref = colony.put(array)
        rows = {
            "numpy copy (same array, private memory)": rate(
                lambda: np.copyto(copy_target, array), gigabytes, args.rounds),
            "colony.put (into shared memory)": rate(
                lambda: colony.put(array), gigabytes, args.rounds),
            "colony.get (zero-copy map)": rate(lambda: colony.get(ref), gigabytes, args.rounds),
        }
    finally:
        colony.shutdown()
    print(f"{args.size_mb} MB array of np.ones, {args.rounds} rounds")
    print(f"{'operation':45s} {'GB/s':>10s} {'± sd':>8s}")
    for name, (mean, sd) in rows.items():
        print(f"{name:45s} {mean:10.2f} {sd:8.2f}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"size_mb": args.size_mb, "rounds": args.rounds,
                       "rows": {k: {"mean_gb_s": m, "sd": s} for k, (m, s) in rows.items()}},
                      f, indent=2)


if __name__ == "__main__":
    main()
