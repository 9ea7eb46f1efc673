"""Streaming jobs on a real local cluster: operators, windows, back-pressure, metrics, stop
and resume (checkpoint and kill-recovery tests are in test_streaming_recovery.py)."""

import collections
import itertools
import os
import time

import pytest

from colony.streaming import (ChannelConfig, CheckpointConfig, FileSink, FINISHED, PlanError,
                              SourceFunction, STOPPED, StreamingContext, TumblingCountWindow,
                              TumblingEventTimeWindow, read_file_sink)

JOB_TIMEOUT = 120


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run(ctx, name):
    job = ctx.execute(name)
    status = job.wait(JOB_TIMEOUT)
    assert status == FINISHED, (status, job.error)
    return job


def test_wordcount_with_keyed_reduce(shared_cluster, tmp_path):
    text = ["the quick brown fox", "jumps over the lazy dog", "the end"] * 50
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=200))
    (ctx.from_collection(text).flat_map(str.split).map(lambda w: (w, 1))
        .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .sink(FileSink(str(tmp_path))))
    job = run(ctx, "wordcount")
    words = collections.Counter(w for line in text for w in line.split())
    expected = sorted([w, n] for w, total in words.items() for n in range(1, total + 1))
    assert sorted(read_file_sink(str(tmp_path))) == expected
    metrics = job.metrics()
    assert metrics["1-flat_map"]["records_out"] == sum(words.values())
    assert metrics["1-flat_map"]["parallelism"] == 2


class Countdown(SourceFunction):
    """A user source with a replayable offset: n, n-1, ..., 1 split over the instances."""

    def __init__(self, n):
        self.n = n

    def open(self, instance, parallelism, offset):
        self.items = list(range(self.n, 0, -1))[instance::parallelism]
        self.pos = offset or 0

    def read(self, max_records):
        if self.pos >= len(self.items):
            return None
        out = self.items[self.pos:self.pos + max_records]
        self.pos += len(out)
        return out

    def offset(self):
        return self.pos


def test_sources_filter_union_and_keyed_state(shared_cluster, tmp_path):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=0))
    gen = ctx.from_generator(lambda i, n: range(i, 100, n), parallelism=2)
    mine = ctx.from_source(Countdown(50), parallelism=2)
    coll = ctx.from_collection([1000, 1001])
    merged = gen.filter(lambda x: x % 2 == 0).union(mine, coll)
    # keyed state: a running [count, sum] per parity, kept by process()
    def count_sum(state, key, x):
        count, total = state or [0, 0]
        state = [count + 1, total + x]
        return state, [[key, *state]]

    (merged.key_by(lambda x: x % 2).process(count_sum)
        .sink(FileSink(str(tmp_path)), parallelism=1))
    run(ctx, "sources")
    inputs = [x for x in range(100) if x % 2 == 0] + list(range(1, 51)) + [1000, 1001]
    out = read_file_sink(str(tmp_path))
    for parity in (0, 1):
        mine_out = sorted((r for r in out if r[0] == parity), key=lambda r: r[1])
        values = [x for x in inputs if x % 2 == parity]
        assert [r[1] for r in mine_out] == list(range(1, len(values) + 1))
        assert mine_out[-1][2] == sum(values)


def test_event_time_and_count_windows(shared_cluster, tmp_path):
    # (key, event time ms, value), a little out of order
    events = []
    for i in range(400):
        ts = i * 5 + (7 if i % 4 == 0 else 0)
        events.append(["k%d" % (i % 3), ts, 1])
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=300),
                           channel=ChannelConfig(batch_size=32))
    stream = ctx.from_collection(events).assign_timestamps(lambda e: e[1],
                                                           max_out_of_orderness_ms=10)
    (stream.key_by(lambda e: e[0]).window(TumblingEventTimeWindow(100))
        .apply(lambda key, start, end, values: [["time", key, start, len(values)]])
        .sink(FileSink(str(tmp_path / "time"))))
    (stream.key_by(lambda e: e[0]).window(TumblingCountWindow(10))
        .reduce(lambda a, b: [a[0], max(a[1], b[1]), a[2] + b[2]])
        .sink(FileSink(str(tmp_path / "count"))))
    run(ctx, "windows")
    expected = collections.Counter()
    for key, ts, _ in events:
        expected[(key, ts - ts % 100)] += 1
    got = read_file_sink(str(tmp_path / "time"))
    # the out-of-orderness bound covers the 7 ms jitter: no record is late
    assert sorted((k, s, n) for _, k, s, n in got) == sorted(
        (k, s, n) for (k, s), n in expected.items())
    counts = read_file_sink(str(tmp_path / "count"))
    per_key = collections.Counter(e[0] for e in events)
    assert sorted(collections.Counter(r[0] for r in counts).items()) == sorted(
        (k, n // 10) for k, n in per_key.items())
    assert all(r[2] == 10 for r in counts)


def test_slow_operator_slows_its_source(shared_cluster, tmp_path):
    """Credits bound what sits between a source and a slow map: credits x batch_size
    records in the channel plus one batch being filled, however long the job runs."""
    credits, batch = 4, 16
    ctx = StreamingContext(parallelism=1, checkpoint=CheckpointConfig(interval_ms=0),
                           channel=ChannelConfig(batch_size=batch, credits=credits,
                                                 batch_timeout_ms=5))

    def slow(x):
        time.sleep(0.002)
        return x

    (ctx.from_generator(lambda i, n: itertools.count()).rebalance()
        .map(slow, name="slow").sink(FileSink(str(tmp_path))))
    job = ctx.execute("backpressure")
    try:
        wait_for(lambda: job.metrics().get("1-map", {}).get("records_in", 0) > 500,
                 what="the slow map to take 500 records")
        bound = credits * batch + batch
        for _ in range(20):
            m = job.metrics()
            emitted, taken = m["0-source"]["records_out"], m["1-map"]["records_in"]
            # both counts come from one poll round; the slack covers the skew between the
            # two instances' replies (the map takes ~500 records/s); without credits the
            # source would be hundreds of thousands ahead
            assert emitted - taken <= 3 * bound, (emitted, taken)
            assert m["1-map"]["backlog"] <= credits
            time.sleep(0.1)
        assert m["1-map"]["records_in_per_s"] > 0
    finally:
        assert job.stop(checkpoint=False) == STOPPED


def test_stop_with_checkpoint_and_resume(shared_cluster, tmp_path):
    go = str(tmp_path / "go")

    def numbers(instance, parallelism):
        # after the first third it crawls until the go file exists: the stop comes mid-stream
        for i in range(instance, 3000, parallelism):
            if i >= 1000 and not os.path.exists(go):
                time.sleep(0.02)
            yield i

    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=200))
    ctx.from_generator(numbers, parallelism=2).map(lambda x: x * 2).sink(FileSink(str(tmp_path)))
    job = ctx.execute("stop-resume")
    wait_for(lambda: job.last_checkpoint >= 1, what="a first checkpoint")
    assert job.stop(checkpoint=True) == STOPPED
    stopped_at = job.last_checkpoint
    partial = read_file_sink(str(tmp_path))
    assert len(partial) < 3000
    # the stop's checkpoint is committed: nothing is left staged
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".pending")]
    assert job.metrics()["0-source"]["checkpoint_age_s"] >= 0
    open(go, "w").close()
    job.resume()
    assert job.wait(JOB_TIMEOUT) == FINISHED, job.error
    assert job.last_checkpoint > stopped_at
    assert sorted(read_file_sink(str(tmp_path))) == [x * 2 for x in range(3000)]


def test_folder_checkpoints_let_a_new_handle_resume(shared_cluster, tmp_path):
    from colony.streaming import JobHandle

    go = str(tmp_path / "go")

    def numbers(instance, parallelism):
        for i in range(2000):
            if i >= 500 and not os.path.exists(go):
                time.sleep(0.02)
            yield i

    folder = tmp_path / "chk"
    ctx = StreamingContext(checkpoint=CheckpointConfig(interval_ms=200, storage="FOLDER",
                                                       folder=str(folder)))
    ctx.from_generator(numbers).sink(FileSink(str(tmp_path / "out")))
    job = ctx.execute("folder")
    wait_for(lambda: job.last_checkpoint >= 1, what="a first checkpoint")
    assert job.stop() == STOPPED
    open(go, "w").close()
    again = JobHandle.resume_from(str(folder))
    assert again.name == "folder"
    assert again.wait(JOB_TIMEOUT) == FINISHED, again.error
    assert sorted(read_file_sink(str(tmp_path / "out"))) == list(range(2000))


def test_bad_jobs_fail_clearly(shared_cluster, tmp_path):
    ctx = StreamingContext()
    ctx.from_collection([1]).map(lambda x: x)
    with pytest.raises(PlanError, match="no sink"):
        ctx.execute("nosink")
    with pytest.raises(ValueError, match="parallelism"):
        StreamingContext().from_collection([1], parallelism=0)
    with pytest.raises(TypeError, match="needs a function"):
        StreamingContext().from_collection([1]).map(3)
    ok = StreamingContext()
    ok.from_collection([1]).sink(FileSink(str(tmp_path / "never")))
    with pytest.raises(ValueError, match="unknown actor option.*bogus"):
        ok.execute("badoptions", actor_options={"bogus": 1})
    # a user function that raises makes the job fail (after its restarts) with its error
    ctx = StreamingContext(checkpoint=CheckpointConfig(interval_ms=0))
    ctx.from_collection([1, 2]).map(lambda x: 1 // 0).sink(FileSink(str(tmp_path)))
    job = ctx.execute("raises", max_restarts=1)
    assert job.wait(JOB_TIMEOUT) == "FAILED"
    assert "ZeroDivisionError" in job.error and job.restarts == 1


def test_a_key_without_xlang_form_fails_naming_it(shared_cluster, tmp_path):
    ctx = StreamingContext(checkpoint=CheckpointConfig(interval_ms=0))
    (ctx.from_collection([1, 2]).key_by(lambda x: object())
        .reduce(lambda a, b: a + b).sink(FileSink(str(tmp_path))))
    job = ctx.execute("badkey", max_restarts=0)
    assert job.wait(JOB_TIMEOUT) == "FAILED"
    assert "key_by gave a key of type object" in job.error


def test_functions_of_a_module_the_workers_cannot_import_travel_by_value(shared_cluster,
                                                                          tmp_path):
    import importlib
    import sys
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "stream_helpers_only_here.py").write_text(
        "def triple(x):\n    return 3 * x\n")
    sys.path.insert(0, str(helpers))
    try:
        module = importlib.import_module("stream_helpers_only_here")
        ctx = StreamingContext(checkpoint=CheckpointConfig(interval_ms=0))
        ctx.from_collection([1, 2, 3]).map(module.triple).sink(FileSink(str(tmp_path / "o")))
        run(ctx, "by-value")
    finally:
        sys.path.remove(str(helpers))
        sys.modules.pop("stream_helpers_only_here", None)
    assert sorted(read_file_sink(str(tmp_path / "o"))) == [3, 6, 9]
