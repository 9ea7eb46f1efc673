"""Mixed-language example job: a Java actor produces sensor readings, Python tasks
transform them (Celsius to Fahrenheit, flagging hot readings), a Java actor aggregates.

Run it with `bash scripts/run_example.sh` (or `python examples/mixed/stream_job.py` after
scripts/install.sh); it compiles the two Java classes with javac first.
"""

import os
import subprocess
import sys
import tempfile

import colony
from colony import cross_language

HERE = os.path.dirname(os.path.abspath(__file__))


def compile_java() -> str:
    out = tempfile.mkdtemp(prefix="colony-example-")
    sources = [os.path.join(root, f) for root, _, files in os.walk(os.path.join(HERE, "java"))
               for f in files if f.endswith(".java")]
    subprocess.run(["javac", "-d", out, *sources], check=True)
    return out


@colony.remote
def transform(batch: list) -> list:
    """Python operator: Celsius -> Fahrenheit, and a flag for hot readings."""
    out = []
    for record in batch:
        fahrenheit = round(record["celsius"] * 9 / 5 + 32, 1)
        out.append({"sensor": record["sensor"], "seq": record["seq"],
                    "fahrenheit": fahrenheit, "hot": fahrenheit > 80})
    return out


def main() -> int:
    classes = compile_java()
    colony.init(job_config=colony.JobConfig(code_search_path=[classes]))
    try:
        source = cross_language.java_actor_class("example.mixed.SensorSource").remote(
            ["north", "south", "east", "west"], 42)
        sink = cross_language.java_actor_class("example.mixed.Aggregator").remote()
        added = []
        for _ in range(20):
            batch = source.nextBatch.remote(50)      # Java -> ref, never copied here
            transformed = transform.remote(batch)    # Python task reads the XLANG batch
            added.append(sink.add.remote(transformed))
        total = sum(colony.get(added))
        summary = colony.get(sink.summary.remote())
        print(f"processed {total} readings from a Java source through Python into a Java sink")
        print(f"{'sensor':8s} {'count':>6s} {'mean °F':>8s} {'max °F':>8s}")
        for sensor, row in summary.items():
            print(f"{sensor:8s} {row['count']:6d} {row['mean_f']:8.1f} {row['max_f']:8.1f}")
    finally:
        colony.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
