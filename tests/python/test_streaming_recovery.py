"""Exactly-once across a SIGKILL: killing any operator's worker mid-stream restarts the job
from its last complete checkpoint, and the sinks' committed output equals the failure-free
run's, record for record."""

import collections
import os
import signal
import time

import pytest

from colony.streaming import (CheckpointConfig, FileSink, FINISHED, StreamingContext,
                              read_file_sink)

LINES = 3000


def lines(instance, parallelism):
    words = ["alpha", "beta", "gamma", "delta", "eps"]
    for i in range(LINES):
        if i % 60 == 0:
            time.sleep(0.05)   # about 2.5 s in all: long enough to kill it mid-stream
        yield " ".join(words[(i + j) % 5] for j in range(i % 4 + 1))


def build(out, folder=None):
    checkpoint = (CheckpointConfig(interval_ms=250, storage="FOLDER", folder=folder) if folder
                  else CheckpointConfig(interval_ms=250))
    ctx = StreamingContext(parallelism=2, checkpoint=checkpoint)
    (ctx.from_generator(lines).flat_map(str.split).map(lambda w: (w, 1))
        .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .sink(FileSink(out)))
    return ctx


def expected_output():
    counts = collections.Counter(w for line in lines(0, 1) for w in line.split())
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
    out = str(tmp_path / "out")
    job = build(out, folder=str(tmp_path / "chk") if victim == "1-flat_map" else None
                ).execute(f"kill-{victim}")
    deadline = time.monotonic() + 60
    while job.last_checkpoint < 2 or (victim, 0) not in job.instance_pids():
        assert job.status == "RUNNING", job.error
        assert time.monotonic() < deadline, "no second checkpoint within 60 s"
        time.sleep(0.05)
    assert job.status == "RUNNING", "the job ended before the kill"
    os.kill(job.instance_pids()[(victim, 0)], signal.SIGKILL)
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    assert sorted(read_file_sink(out)) == failure_free


def events(instance, parallelism):
    for i in range(6000):
        if i % 150 == 0:
            time.sleep(0.05)
        yield [f"k{i % 5}", i * 2 + (9 if i % 7 == 0 else 0)]   # event time, a bit out of order


def windowed_job(out):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=250))
    from colony.streaming import SlidingEventTimeWindow
    (ctx.from_generator(events)
        .assign_timestamps(lambda e: e[1], max_out_of_orderness_ms=20)
        .key_by(lambda e: e[0]).window(SlidingEventTimeWindow(400, 200))
        .apply(lambda key, start, end, values: [[key, start, len(values)]])
        .sink(FileSink(out)))
    return ctx


def test_sigkill_of_a_window_operator_keeps_window_output_exactly_once(shared_cluster,
                                                                        tmp_path):
    expected = collections.Counter()
    for key, ts in events(0, 1):
        for start in (ts - ts % 200, ts - ts % 200 - 200):
            expected[(key, start)] += 1
    out = str(tmp_path / "out")
    job = windowed_job(out).execute("kill-window")
    deadline = time.monotonic() + 60
    victim = ("3-window", 1)
    while job.last_checkpoint < 2 or victim not in job.instance_pids():
        assert job.status == "RUNNING", job.error
        assert time.monotonic() < deadline, "no second checkpoint within 60 s"
        time.sleep(0.05)
    assert job.status == "RUNNING", "the job ended before the kill"
    os.kill(job.instance_pids()[victim], signal.SIGKILL)
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    got = read_file_sink(out)
    assert sorted(tuple(r) for r in got) == sorted(
        (k, s, n) for (k, s), n in expected.items())
