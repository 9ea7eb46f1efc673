"""Exactly-once across a SIGKILL: killing any operator's worker mid-stream restarts the job
from its last complete checkpoint, and the sinks' committed output equals the failure-free
run's, record for record."""

import collections
import os
import signal
import time

import pytest

from colony.streaming import (CheckpointConfig, FileSink, FINISHED, SlidingEventTimeWindow,
                              StreamingContext, read_file_sink)

LINES = 3000


def paced_lines(go_file=None):
    """The job's input. After the first third it crawls (50 lines/s) until `go_file`
    exists, so a test can kill an operator mid-stream however loaded the machine is; the
    lines are the same either way."""
    def lines(instance, parallelism):
        words = ["alpha", "beta", "gamma", "delta", "eps"]
        for i in range(LINES):
            if go_file and i >= LINES // 3 and not os.path.exists(go_file):
                time.sleep(0.02)
            yield " ".join(words[(i + j) % 5] for j in range(i % 4 + 1))
    return lines


def build(out, folder=None, go_file=None):
    checkpoint = (CheckpointConfig(interval_ms=250, storage="FOLDER", folder=folder) if folder
                  else CheckpointConfig(interval_ms=250))
    ctx = StreamingContext(parallelism=2, checkpoint=checkpoint)
    (ctx.from_generator(paced_lines(go_file)).flat_map(str.split).map(lambda w: (w, 1))
        .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .sink(FileSink(out)))
    return ctx


def kill_mid_stream(job, victim, go_file):
    """SIGKILLs the victim instance's worker once two checkpoints are complete, then lets
    the source run at full speed."""
    deadline = time.monotonic() + 60
    while job.last_checkpoint < 2 or victim not in job.instance_pids():
        assert job.status == "RUNNING", job.error
        assert time.monotonic() < deadline, "no second checkpoint within 60 s"
        time.sleep(0.05)
    assert job.status == "RUNNING", "the job ended before the kill"
    os.kill(job.instance_pids()[victim], signal.SIGKILL)
    with open(go_file, "w"):
        pass


def expected_output():
    counts = collections.Counter(w for line in paced_lines()(0, 1) for w in line.split())
    return sorted([w, n] for w, total in counts.items() for n in range(1, total + 1))


@pytest.fixture(scope="module")
def failure_free(shared_cluster, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("clean"))
    job = build(out).execute("clean")
    assert job.wait(120) == FINISHED, job.error
    records = sorted(read_file_sink(out))
    assert records == expected_output()
    return records


@pytest.mark.parametrize("victim", ["0-source", "1-flat_map", "4-reduce"])
def test_sigkill_of_an_operator_worker_keeps_the_output_exactly_once(
        shared_cluster, failure_free, tmp_path, victim):
    out, go = str(tmp_path / "out"), str(tmp_path / "go")
    job = build(out, folder=str(tmp_path / "chk") if victim == "1-flat_map" else None,
                go_file=go).execute(f"kill-{victim}")
    kill_mid_stream(job, (victim, 0), go)
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    assert sorted(read_file_sink(out)) == failure_free


def paced_events(go_file=None):
    def events(instance, parallelism):
        for i in range(6000):
            if go_file and i >= 2000 and not os.path.exists(go_file):
                time.sleep(0.02)
            yield [f"k{i % 5}", i * 2 + (9 if i % 7 == 0 else 0)]   # a bit out of order
    return events


def windowed_job(out, go_file):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=250))
    (ctx.from_generator(paced_events(go_file))
        .assign_timestamps(lambda e: e[1], max_out_of_orderness_ms=20)
        .key_by(lambda e: e[0]).window(SlidingEventTimeWindow(400, 200))
        .apply(lambda key, start, end, values: [[key, start, len(values)]])
        .sink(FileSink(out)))
    return ctx


def test_sigkill_of_a_window_operator_keeps_window_output_exactly_once(shared_cluster,
                                                                        tmp_path):
    expected = collections.Counter()
    for key, ts in paced_events()(0, 1):
        for start in (ts - ts % 200, ts - ts % 200 - 200):
            expected[(key, start)] += 1
    out, go = str(tmp_path / "out"), str(tmp_path / "go")
    job = windowed_job(out, go).execute("kill-window")
    kill_mid_stream(job, ("3-window", 1), go)
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    got = read_file_sink(out)
    assert sorted(tuple(r) for r in got) == sorted(
        (k, s, n) for (k, s), n in expected.items())
