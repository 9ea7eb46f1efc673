"""Streaming figures for Python-only jobs (issue 21), printed as a Markdown table:

- word count: the lines of bench/flink's Lines.line(i) (8 words of a 1000-word vocabulary),
  flat_map to (word, 1), key_by word, a running sum, a sink that only counts;
- keyed windowed aggregation: (key, event time, 1) events, 1000 keys, event time = i ms,
  key_by, 1 s tumbling event-time windows counting per key;
- latency at a fixed input rate: each record carries its emit time; the latency is taken
  after the keyed reduce (two channels: source -> map, key_by -> reduce), p50 and p99.

Throughput is records / (finish - first record reached the sink side), so actor start-up is
left out; wall time including it is printed too. Checkpoints run every second throughout.

    python3 bench/streaming_wordcount.py [--lines 200000] [--rate 2000] [--seconds 10]
    python3 bench/streaming_wordcount.py --mixed     # also Java source -> Python -> Java
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import colony
from colony.streaming import (ChannelConfig, CheckpointConfig, FileSink, FINISHED, Sink,
                              StreamingContext, TumblingEventTimeWindow, java_operator,
                              read_file_sink)

VOCABULARY = 1000
WORDS_PER_LINE = 8


def line(i: int) -> str:
    return " ".join(f"w{(i * 7919 + k * 104729) % VOCABULARY}" for k in range(WORDS_PER_LINE))


class CountingSink(Sink):
    """Stages only how many records it got: the figure is the pipeline, not a file."""

    def stage(self, checkpoint_id, records):
        return len(records)

    def commit(self, transaction):
        pass


def run_timed(ctx: StreamingContext, name: str, first_op: str) -> tuple[float, float]:
    """(seconds from the first record to the end, wall seconds from execute to the end)."""
    start = time.monotonic()
    job = ctx.execute(name)
    first = None
    while job.status == "RUNNING" or job.status == "RESTARTING":
        if first is None and job.metrics().get(first_op, {}).get("records_out", 0) > 0:
            first = time.monotonic()
        time.sleep(0.02)
    status = job.wait(600)
    end = time.monotonic()
    if status != FINISHED:
        raise RuntimeError(f"{name}: {status}: {job.error}")
    return end - (first or start), end - start


def wordcount(lines: int, parallelism: int) -> dict:
    ctx = StreamingContext(parallelism=parallelism,
                           checkpoint=CheckpointConfig(interval_ms=1000))

    def source(instance, n):
        return (line(i) for i in range(instance, lines, n))

    (ctx.from_generator(source, parallelism=parallelism)
        .flat_map(str.split).map(lambda w: (w, 1))
        .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .sink(CountingSink()))
    busy, wall = run_timed(ctx, f"wordcount-{parallelism}", "0-source")
    words = lines * WORDS_PER_LINE
    return {"job": "word count", "parallelism": parallelism, "records": words,
            "per_s": words / busy, "wall_s": wall}


def wordcount_mixed(lines: int, parallelism: int) -> dict:
    """Java source -> Python flat_map -> Java key_by and running sum -> Java sink, with the
    Java classes of bench/streaming_java (the Java-only word count)."""
    ctx = StreamingContext(parallelism=parallelism,
                           checkpoint=CheckpointConfig(interval_ms=1000))
    (ctx.from_source(java_operator("bench.streaming.WordCount$Lines", lines),
                     parallelism=parallelism)
        .flat_map(lambda line: [[w, 1] for w in line.split()])
        .key_by(java_operator("bench.streaming.WordCount$Word"))
        .reduce(java_operator("bench.streaming.WordCount$Add"))
        .sink(java_operator("io.colony.streaming.sink.DiscardingSink")))
    busy, wall = run_timed(ctx, f"wordcount-mixed-{parallelism}", "0-source")
    words = lines * WORDS_PER_LINE
    return {"job": "word count, mixed (Java source, Python flat_map, Java keyed sum and sink)",
            "parallelism": parallelism, "records": words, "per_s": words / busy,
            "wall_s": wall}


def java_code_search_path() -> list:
    """bench/streaming_java's classes and the streaming module's dependencies (built here)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "streaming_java")
    subprocess.run(["mvn", "-q", "-B", "-Dstyle.color=never", "package",
                    "dependency:build-classpath", "-Dmdep.outputFile=target/classpath.txt"],
                   cwd=here, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(here, "target", "classpath.txt")) as f:
        deps = [d for d in f.read().strip().split(os.pathsep) if d]
    return [os.path.join(here, "target", "classes"), *deps]


def windowed(events: int, parallelism: int) -> dict:
    ctx = StreamingContext(parallelism=parallelism,
                           checkpoint=CheckpointConfig(interval_ms=1000))

    def source(instance, n):
        return ((f"k{i % 1000}", i, 1) for i in range(instance, events, n))

    (ctx.from_generator(source, parallelism=parallelism)
        .assign_timestamps(lambda e: e[1], max_out_of_orderness_ms=100)
        .key_by(lambda e: e[0]).window(TumblingEventTimeWindow(1000))
        .reduce(lambda a, b: (a[0], a[1], a[2] + b[2]))
        .sink(CountingSink()))
    busy, wall = run_timed(ctx, f"windowed-{parallelism}", "0-source")
    return {"job": "keyed 1 s event-time windows", "parallelism": parallelism,
            "records": events, "per_s": events / busy, "wall_s": wall}


def latency(rate: int, seconds: float, batch_timeout_ms: int) -> dict:
    total = int(rate * seconds)
    out = tempfile.mkdtemp(prefix="colony-stream-latency-")
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=1000),
                           channel=ChannelConfig(batch_timeout_ms=batch_timeout_ms))

    def paced(instance, n):
        begin = time.time()
        for i in range(total):
            due = begin + i / rate
            now = time.time()
            if due > now:
                time.sleep(due - now)
            yield [time.time(), f"w{i % VOCABULARY}"]

    (ctx.from_generator(paced).rebalance().map(lambda r: (r[1], r[0]))
        .key_by(lambda p: p[0]).reduce(lambda a, b: b)
        .map(lambda p: time.time() - p[1]).sink(FileSink(out)))
    job = ctx.execute(f"latency-{rate}")
    if job.wait(600) != FINISHED:
        raise RuntimeError(f"latency: {job.status}: {job.error}")
    lat = sorted(read_file_sink(out))
    lat = lat[len(lat) // 10:]   # the first 10% include warm-up (new workers, imports)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    return {"rate": rate, "batch_timeout_ms": batch_timeout_ms, "samples": len(lat),
            "p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count())
    parser.add_argument("--mixed", action="store_true",
                        help="also the mixed Java/Python word count (builds bench/streaming_java "
                             "with Maven; needs scripts/install.sh's io.colony artifacts)")
    parser.add_argument("--only-mixed", action="store_true", help="only the mixed rows")
    args = parser.parse_args()
    mixed = args.mixed or args.only_mixed
    job_config = colony.JobConfig(code_search_path=java_code_search_path()) if mixed else None
    colony.init(num_cpus=args.num_cpus, job_config=job_config)
    try:
        # rows are printed as they finish, so a run cut short keeps what it measured
        print("| job | parallelism | records | records/s | wall s (with start-up) |")
        print("| --- | ---: | ---: | ---: | ---: |", flush=True)
        for p in (1, 2):
            jobs = [] if args.only_mixed else [wordcount, windowed]
            jobs += [wordcount_mixed] if mixed else []
            for job in jobs:
                size = args.events if job is windowed else args.lines
                r = job(size, p)
                print(f"| {r['job']} | {r['parallelism']} | {r['records']:,} "
                      f"| {r['per_s']:,.0f} | {r['wall_s']:.1f} |", flush=True)
        if args.only_mixed:
            return 0
        print()
        print("| input rate (records/s) | batch_timeout_ms | samples | p50 ms | p99 ms |")
        print("| ---: | ---: | ---: | ---: | ---: |", flush=True)
        for timeout_ms in (20, 5):
            r = latency(args.rate, args.seconds, timeout_ms)
            print(f"| {r['rate']:,} | {r['batch_timeout_ms']} | {r['samples']:,} "
                  f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |", flush=True)
    finally:
        colony.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
