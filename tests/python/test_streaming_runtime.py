"""The operator actor and its channels in one process, with fake actor handles in place of
other instances: barrier alignment, credits, batching, partitioning, two-phase sink commits
and end of stream (docs/streaming.md)."""

import pickle
import threading
import time

import pytest

from colony.streaming import (ChannelConfig, CheckpointConfig, FileSink, StreamingContext,
                              read_file_sink)
from colony.streaming.runtime.channels import Credits, OutputEdge, key_partition
from colony.streaming.runtime.operator_actor import OperatorActor

class FakeHandle:
    """Records `.method.remote(*args)` calls, as an actor handle would send them."""

    def __init__(self, on_call=None):
        self.calls = []
        self._on_call = on_call

    def __getattr__(self, method):
        handle = self

        class _Method:
            def remote(self, *args):
                handle.calls.append((method, args))
                if handle._on_call:
                    handle._on_call(method, args)

        return _Method()

    def of(self, method):
        return [args for m, args in self.calls if m == method]


def wait_for(predicate, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def unit_plan(out):
    ctx = StreamingContext(parallelism=1, checkpoint=CheckpointConfig(interval_ms=0))
    (ctx.from_collection([0], parallelism=2).map(lambda x: x * 10).sink(FileSink(str(out))))
    return ctx.plan("unit").to_json()


def two_input_actor(out, restore=None):
    """An instance of the map+sink chain fed by two source instances (two channels)."""
    ups = [FakeHandle(), FakeHandle()]
    actor = OperatorActor()
    assert actor.open({"job": "unit", "plan": unit_plan(out), "operators": ["1-map", "2-sink"],
                       "instance": 0, "attempt": 0,
                       "inputs": [{"channel": f"0:{u}:0", "edge": 0, "upstream": ups[u]}
                                  for u in range(2)],
                       "outputs": [], "restore": restore}) is True
    actor.start()
    return actor, ups


def batch(records):
    return {"kind": "batch", "encoding": "PICKLE", "records": pickle.dumps(records),
            "timestamps": None}


def test_barrier_alignment_holds_the_early_channel_and_snapshots_once_aligned(tmp_path):
    actor, ups = two_input_actor(tmp_path)
    try:
        actor.push("0:0:0", batch([1, 2]))
        actor.push("0:0:0", {"kind": "barrier", "checkpoint": 1, "final": False})
        actor.push("0:0:0", batch([3]))          # after the barrier: must wait
        actor.push("0:1:0", batch([4]))
        wait_for(lambda: actor.poll()["metrics"]["records_in"] == 3, "the first three records")
        time.sleep(0.1)
        reply = actor.poll()
        assert reply["metrics"]["records_in"] == 3 and reply["acks"] == []
        assert reply["metrics"]["backlog"] == 1          # record 3 waits in its queue
        actor.push("0:1:0", {"kind": "barrier", "checkpoint": 1, "final": False})
        acks = []
        wait_for(lambda: acks.extend(actor.poll()["acks"]) or acks, "the ack")
        assert [a["checkpoint"] for a in acks] == [1]
        states = pickle.loads(acks[0]["state"])
        assert states[0] is None and list(states[1]["staged"]) == [1]
        wait_for(lambda: actor.poll()["metrics"]["records_in"] == 4, "record 3 after the barrier")
        assert read_file_sink(str(tmp_path)) == []      # staged, not yet visible
        actor.commit(1)
        wait_for(lambda: actor.poll()["committed"] == 1, "the commit")
        assert sorted(read_file_sink(str(tmp_path))) == [10, 20, 40]
        # credits went back for every message taken, to the channel's own upstream
        wait_for(lambda: sum(a[1] for a in ups[0].of("credit")) == 3, "credits of channel 0")
        assert all(a[0] == "0:0:0" for a in ups[0].of("credit"))
        assert sum(a[1] for a in ups[1].of("credit")) == 2
        actor.push("0:0:0", {"kind": "eos"})
        assert not actor.poll()["finished"]
        actor.push("0:1:0", {"kind": "eos"})
        wait_for(lambda: actor.poll()["finished"], "finished after eos on both channels")
    finally:
        actor.close()


def test_restore_commits_the_staged_transactions_of_the_checkpoint(tmp_path):
    actor, _ = two_input_actor(tmp_path)
    actor.push("0:0:0", batch([7]))
    for ch in ("0:0:0", "0:1:0"):
        actor.push(ch, {"kind": "barrier", "checkpoint": 3, "final": False})
    acks = []
    wait_for(lambda: acks.extend(actor.poll()["acks"]) or acks, "the ack")
    actor.close()                                   # as if killed before commit(3)
    assert read_file_sink(str(tmp_path)) == []
    # a new instance opened from checkpoint 3 commits what was staged for it
    again, _ = two_input_actor(tmp_path, {"checkpoint": 3, "state": acks[0]["state"]})
    try:
        assert read_file_sink(str(tmp_path)) == [70] and again.poll()["committed"] == 3
    finally:
        again.close()


def test_a_message_for_an_unknown_channel_is_refused(tmp_path):
    actor, _ = two_input_actor(tmp_path)
    try:
        with pytest.raises(ValueError, match="no input channel '9:9:9'"):
            actor.push("9:9:9", batch([1]))
    finally:
        actor.close()


def edge(partitioning, n, credits, batch_size=4, timeout_ms=1000):
    handles = [FakeHandle() for _ in range(n)]
    spec = {"edge": 0, "partitioning": partitioning, "encoding": "XLANG",
            "targets": [{"channel": f"0:0:{d}", "handle": handles[d]} for d in range(n)]}
    creds = Credits([t["channel"] for t in spec["targets"]], credits)
    cfg = ChannelConfig(batch_size=batch_size, batch_timeout_ms=timeout_ms, credits=credits)
    return OutputEdge(spec, creds, cfg), creds, handles


def sent_records(handle):
    return [r for ch, m in handle.of("push") if m["kind"] == "batch" for r in m["records"]]


def test_key_hash_sends_each_key_to_one_instance_as_pairs():
    out, _, handles = edge("KEY_HASH", 3, credits=100)
    pairs = [(f"k{i % 7}", i) for i in range(40)]
    out.emit(pairs, None)
    out.flush_due(float("inf"))
    for d, h in enumerate(handles):
        for key, _ in sent_records(h):
            assert key_partition(key, 3) == d
    assert sorted(r[1] for h in handles for r in sent_records(h)) == list(range(40))
    assert all(len(r) == 2 for h in handles for r in sent_records(h))  # [key, record] pairs


def test_batches_leave_when_full_or_after_the_timeout_and_control_follows_data():
    out, _, (h,) = edge("FORWARD", 1, credits=100, batch_size=4, timeout_ms=30)
    out.emit([1, 2, 3, 4, 5], None)
    assert [m["records"] for _, m in h.of("push")] == [[1, 2, 3, 4]]
    assert out.flush_due(time.monotonic()) is not None      # 5 waits for its timeout
    time.sleep(0.05)
    out.flush_due(time.monotonic())
    assert [m["records"] for _, m in h.of("push")][-1] == [5]
    out.emit([6], None)
    out.broadcast({"kind": "barrier", "checkpoint": 1, "final": False})
    assert [m["kind"] for _, m in h.of("push")][-2:] == ["batch", "barrier"]


def test_rebalance_and_broadcast():
    out, _, handles = edge("REBALANCE", 2, credits=100, batch_size=2)
    out.emit(list(range(8)), None)
    assert [sent_records(h) for h in handles] == [[0, 1, 4, 5], [2, 3, 6, 7]]
    out, _, handles = edge("BROADCAST", 3, credits=100, batch_size=2)
    out.emit([1, 2], None)
    assert [sent_records(h) for h in handles] == [[1, 2]] * 3


def test_a_sender_without_credit_waits_until_the_receiver_grants_some():
    out, creds, (h,) = edge("FORWARD", 1, credits=2, batch_size=1)
    done = threading.Event()

    def send():
        out.emit([1, 2, 3, 4], None)
        done.set()

    t = threading.Thread(target=send, daemon=True)
    t.start()
    wait_for(lambda: len(h.of("push")) == 2, "two batches (the window)")
    assert not done.wait(0.2) and len(h.of("push")) == 2   # blocked: no credit left
    creds.grant("0:0:0", 2)
    assert done.wait(5)
    assert sent_records(h) == [1, 2, 3, 4]
