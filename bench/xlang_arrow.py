#!/usr/bin/env python3
"""Passing a ~100 MB Arrow table between Python and Java (ARROW, docs/xlang.md), against
this machine's memcpy bandwidth.

Rows (median of --rounds, after one warm-up):
  Python -> Java, call with the table  f.remote(table): write into shared memory + Java reads
                                       it in place + the call
  Python -> Java, colony.put           the write alone
  Python -> Java, call with a put ref  the call alone (Java maps the object, copies nothing)
  Java -> Python, returned table       Java writes its table into shared memory + Python
                                       reads it in place + the call
  call overhead                        the same calls with a 3-row table

    python3 bench/xlang_arrow.py [--megabytes 100] [--rounds 7] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import pyarrow as pa

import colony
from colony import cross_language
from java_fixtures import compile_java_fixtures


def seconds(fn, rounds: int) -> float:
    fn()  # warm-up: JVM class loading, first mapping of the pages
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def memcpy_gigabytes_per_second(nbytes: int, rounds: int) -> float:
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    return nbytes / seconds(lambda: np.copyto(dst, src), rounds) / 1e9


def table_of(rows: int) -> pa.Table:
    """Like the Java side's ArrowJob.halves: n int64, half float64 (16 bytes a row)."""
    n = np.arange(rows, dtype=np.int64)
    return pa.table({"n": n, "half": n / 2})


def measure(rows: int, rounds: int) -> dict:
    java = lambda name: cross_language.java_function("xlang.ArrowJob", name)  # noqa: E731
    row_count, cached = java("rowCount"), java("cachedHalves")
    table = table_of(rows)
    ref = colony.put(table)
    results = {
        "Python -> Java, call with the table": seconds(
            lambda: colony.get(row_count.remote(table)), rounds),
        "Python -> Java, colony.put": seconds(lambda: colony.put(table), rounds),
        "Python -> Java, call with a put ref": seconds(
            lambda: colony.get(row_count.remote(ref)), rounds),
        "Java -> Python, returned table": seconds(
            lambda: colony.get(cached.remote(rows)).num_rows, rounds),
        "call overhead (3 rows, Python -> Java)": seconds(
            lambda: colony.get(row_count.remote(table_of(3))), rounds),
        "call overhead (3 rows, Java -> Python)": seconds(
            lambda: colony.get(cached.remote(3)), rounds),
    }
    got = colony.get(cached.remote(rows))
    assert got.num_rows == rows and got.column("half")[rows - 1].as_py() == (rows - 1) / 2
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    nbytes = args.megabytes * 1_000_000
    rows = nbytes // 16
    classes = compile_java_fixtures()
    colony.init(num_cpus=2, object_store_memory=8 * nbytes,
                job_config=colony.JobConfig(code_search_path=[classes]))
    try:
        results = measure(rows, args.rounds)
    finally:
        colony.shutdown()
    memcpy = memcpy_gigabytes_per_second(nbytes, args.rounds)
    print(f"table: {rows:,} rows, {nbytes / 1e6:.0f} MB; memcpy (numpy copyto): {memcpy:.2f} GB/s")
    print(f"{'row':42s} {'ms':>9s} {'GB/s':>7s} {'x memcpy time':>14s}")
    memcpy_seconds = nbytes / (memcpy * 1e9)
    for name, secs in results.items():
        print(f"{name:42s} {secs * 1e3:9.2f} {nbytes / secs / 1e9:7.2f} "
              f"{secs / memcpy_seconds:14.2f}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"megabytes": args.megabytes, "rows": rows, "rounds": args.rounds,
                       "memcpy_gigabytes_per_second": memcpy,
                       "seconds": results}, f, indent=2)


if __name__ == "__main__":
    main()
