"""The README's main example (examples/mixed/stream_job.py, run by scripts/run_example.sh):
a Java source -> Python map -> Java keyed reduce -> file sink streaming job that checks its
own output. Run as a user runs it, in its own process; plus its checker, which must reject
output that is not exactly once."""

import importlib.util
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "mixed", "stream_job.py")


def load_example():
    spec = importlib.util.spec_from_file_location("stream_job_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_runs_and_checks_its_summary():
    proc = subprocess.run([sys.executable, EXAMPLE, "--readings", "1500"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "summary OK: 1500 readings from 4 sensors, each counted exactly once" in lines, proc.stdout
    rows = [line.split() for line in lines if line.split()[:1] in (["north"], ["south"], ["east"], ["west"])]
    assert sum(int(r[1]) for r in rows) == 1500, proc.stdout


def running_outputs(example, count):
    """What a correct job's sink holds: each sensor's running summary after every reading."""
    outputs, running = [], {}
    for reading in example.expected_readings(count):
        one = example.to_fahrenheit(reading)
        prev = running.get(one["sensor"])
        if prev is not None:
            one = {"sensor": one["sensor"], "count": prev["count"] + 1, "hot": prev["hot"] + one["hot"],
                   "sum_f": prev["sum_f"] + one["sum_f"], "max_f": max(prev["max_f"], one["max_f"])}
        running[one["sensor"]] = one
        outputs.append(one)
    return outputs


def test_checker_accepts_exact_output_and_rejects_duplicates_losses_and_wrong_values():
    example = load_example()
    expected = example.expected_summary(200)
    good = running_outputs(example, 200)
    assert example.check(good, expected) == []
    assert example.check(good + good[:1], expected), "a duplicated output passed"
    assert example.check(good[1:], expected), "a lost output passed"
    wrong = [dict(r, max_f=r["max_f"] + 1) for r in good]
    assert any("max_f" in p for p in example.check(wrong, expected))
