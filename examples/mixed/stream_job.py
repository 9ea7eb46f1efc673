"""The main example: a mixed-language streaming job (colony.streaming, docs/streaming.md).

    Java source of sensor readings (replayable offsets)
      -> Python map (Celsius to Fahrenheit, flags hot readings)
      -> key_by sensor
      -> Java keyed reduce (per-sensor count, hot count, mean and max)
      -> FileSink (exactly-once: files are committed when a checkpoint completes)

Checkpoints are on, so a crashed operator resumes from the last one. At the end the
driver reads the sink's output, prints a per-sensor table and checks it against the
values it computes itself; it exits non-zero on any mismatch.

Run it with `bash scripts/run_example.sh` (or `python3 examples/mixed/stream_job.py` after
scripts/install.sh): it first compiles the two Java classes in java/ with javac against the
Java workers' classpath, which scripts/install.sh writes (it includes colony-streaming).
"""

import argparse
import collections
import math
import os
import subprocess
import sys
import tempfile

import colony
from colony._private.node import bin_dir
from colony.streaming import (FINISHED, CheckpointConfig, FileSink, StreamingContext,
                              java_operator, read_file_sink)

HERE = os.path.dirname(os.path.abspath(__file__))
SENSORS = ["north", "south", "east", "west"]
SEED = 42
HOT_F = 80.0


def workers_classpath() -> str:
    """The classpath the raylet starts Java workers with: the streaming runtime is on it."""
    path = os.path.join(bin_dir(), "java_classpath.txt")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run scripts/install.sh first (it builds the Java SDK)")
    with open(path) as f:
        classpath = f.read().strip()
    if "colony-streaming" not in classpath:
        sys.exit(f"{path} has no colony-streaming jar: re-run scripts/install.sh")
    return classpath


def compile_java(out: str) -> None:
    sources = [os.path.join(root, f) for root, _, files in os.walk(os.path.join(HERE, "java"))
               for f in files if f.endswith(".java")]
    subprocess.run(["javac", "-cp", workers_classpath(), "-d", out, *sources], check=True)


def to_fahrenheit(reading: dict) -> dict:
    """Python operator: a reading from Java becomes a one-reading summary in Fahrenheit,
    the shape the Java reduce merges."""
    fahrenheit = round(reading["celsius"] * 9 / 5 + 32, 1)
    return {"sensor": reading["sensor"], "count": 1, "hot": int(fahrenheit > HOT_F),
            "sum_f": fahrenheit, "max_f": fahrenheit}


def expected_readings(count: int) -> list:
    """The readings example.mixed.SensorSource emits, recomputed here from the same formula."""
    out = []
    for i in range(count):
        h = ((i + 1) * 2654435761 + SEED * 40503) & 0xFFFFFFFF
        out.append({"sensor": SENSORS[(h >> 8) % len(SENSORS)], "seq": i,
                    "celsius": ((h % 400) - 50) / 10})
    return out


def expected_summary(count: int) -> dict:
    rows = {}
    for reading in expected_readings(count):
        one = to_fahrenheit(reading)
        row = rows.setdefault(one["sensor"], {"count": 0, "hot": 0, "sum_f": 0.0, "max_f": -math.inf})
        row["count"] += 1
        row["hot"] += one["hot"]
        row["sum_f"] += one["sum_f"]
        row["max_f"] = max(row["max_f"], one["max_f"])
    return rows


def check(outputs: list, expected: dict) -> list:
    """Problems with the sink's output: the running reduce emits one summary per reading, so
    each sensor's counts must be exactly 1..n (every reading once, none twice) and its last
    summary must equal the expected one."""
    problems = []
    by_sensor = collections.defaultdict(list)
    for row in outputs:
        by_sensor[row["sensor"]].append(row)
    if sorted(by_sensor) != sorted(expected):
        problems.append(f"sensors {sorted(by_sensor)} != expected {sorted(expected)}")
    for sensor, want in sorted(expected.items()):
        rows = by_sensor.get(sensor, [])
        counts = sorted(r["count"] for r in rows)
        if counts != list(range(1, want["count"] + 1)):
            problems.append(f"{sensor}: {len(counts)} outputs, not one per reading 1..{want['count']}")
            continue
        got = max(rows, key=lambda r: r["count"])
        for field in ("hot", "max_f"):
            if got[field] != want[field]:
                problems.append(f"{sensor}: {field} {got[field]} != expected {want[field]}")
        if not math.isclose(got["sum_f"], want["sum_f"], rel_tol=1e-9, abs_tol=1e-6):
            problems.append(f"{sensor}: sum {got['sum_f']} != expected {want['sum_f']}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the job")
    args = parser.parse_args()
    if args.readings < 1:
        parser.error("--readings must be at least 1")

    work = tempfile.mkdtemp(prefix="colony-example-")
    classes, out = os.path.join(work, "classes"), os.path.join(work, "out")
    compile_java(classes)
    colony.init(job_config=colony.JobConfig(code_search_path=[classes]))
    try:
        ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=100))
        (ctx.from_source(java_operator("example.mixed.SensorSource", SENSORS, SEED, args.readings))
            .map(to_fahrenheit)
            .key_by(lambda summary: summary["sensor"])
            .reduce(java_operator("example.mixed.SensorStats"))
            .sink(FileSink(out)))
        job = ctx.execute("sensor-stats")
        status = job.wait(args.timeout)
        if status != FINISHED:
            print(f"job ended {status}: {job.error}", file=sys.stderr)
            return 1
        metrics = job.metrics()
        checkpoints, restarts = job.last_checkpoint, job.restarts
    finally:
        colony.shutdown()

    outputs = read_file_sink(out)
    expected = expected_summary(args.readings)
    finals = {}
    for row in outputs:
        if row["count"] > finals.get(row["sensor"], {"count": 0})["count"]:
            finals[row["sensor"]] = row
    print(f"streamed {args.readings} readings: Java source -> Python map -> Java keyed reduce "
          f"-> file sink (checkpoints: {checkpoints}, restarts: {restarts})")
    for op, m in sorted(metrics.items()):
        print(f"  {op:12s} in {m['records_in']:6d}  out {m['records_out']:6d}")
    print(f"{'sensor':8s} {'count':>6s} {'hot':>5s} {'mean °F':>8s} {'max °F':>8s}")
    for sensor, row in sorted(finals.items()):
        print(f"{sensor:8s} {row['count']:6d} {row['hot']:5d} {row['sum_f'] / row['count']:8.1f} "
              f"{row['max_f']:8.1f}")
    problems = check(outputs, expected)
    if problems:
        print("summary MISMATCH:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"summary OK: {args.readings} readings from {len(expected)} sensors, "
          f"each counted exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
