"""The streaming plan and operator logic without a cluster: proto3 JSON both ways, checks
that name the problem, chaining, key hashing and the window operators."""

import base64
import json
import pathlib
import zlib

import msgpack
import pytest

from colony.streaming import (CheckpointConfig, FileSink, PlanError, SlidingCountWindow,
                              SlidingEventTimeWindow, StreamingContext, TumblingCountWindow,
                              TumblingEventTimeWindow, java_operator)
from colony.streaming.plan import JobPlan
from colony.streaming.runtime.channels import key_partition
from colony.streaming.runtime.graph import chains
from colony.streaming.runtime.operators import make_logic

ROOT = pathlib.Path(__file__).resolve().parents[2]


def wordcount_plan(tmp_path):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=500))
    (ctx.from_collection(["a b", "c"]).flat_map(str.split).map(lambda w: (w, 1))
        .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .sink(FileSink(str(tmp_path))))
    return ctx.plan("wc")


def test_plan_json_round_trip_uses_proto3_names(tmp_path):
    plan = wordcount_plan(tmp_path)
    text = plan.to_json()
    data = json.loads(text)
    assert data["channel"]["batchSize"] == 256
    assert data["checkpoint"]["intervalMs"] == 500
    assert data["operators"][0]["kind"] == "SOURCE"
    assert data["edges"][-2]["partitioning"] == "KEY_HASH"
    again = JobPlan.from_json(text)
    assert again == plan


def test_plan_reader_accepts_proto_field_names_and_ignores_unknown_ones():
    text = json.dumps({
        "version": 1, "name": "j", "unknownField": 3,
        "operators": [
            {"id": "s", "kind": "SOURCE", "parallelism": 1,
             "source": {"kind": "COLLECTION",
                        "elements": base64.b64encode(msgpack.packb([1, 2])).decode()}},
            {"id": "k", "kind": "SINK", "language": "JAVA", "parallelism": 1,
             "function": {"language": "JAVA", "java_class": "com.x.Sink"}}],
        "edges": [{"upstream": "s", "downstream": "k"}],
        "channel": {"batch_size": 16, "batchTimeoutMs": 5}})
    plan = JobPlan.from_json(text)
    assert plan.channel.batch_size == 16 and plan.channel.batch_timeout_ms == 5
    assert plan.operators[1].function.java_class == "com.x.Sink"
    assert plan.edges[0].partitioning == "FORWARD"   # the default enum value, omitted


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["operators"].append(dict(d["operators"][0])), "appears twice"),
    (lambda d: d["operators"][1].update(parallelism=0), "parallelism 0"),
    (lambda d: d["edges"].append({"upstream": "1-flat_map", "downstream": "nope"}),
     "'nope', which is not in the plan"),
    (lambda d: d["edges"][0].update(partitioning="SIDEWAYS"), "expected one of FORWARD"),
    (lambda d: d.update(version=9), "version 9 is not supported"),
    (lambda d: d["channel"].update(credits=-1), "unsigned 32-bit"),
    (lambda d: d["edges"].append({"upstream": "5-sink", "downstream": "1-flat_map",
                                  "partitioning": "REBALANCE"}), "sink '5-sink' has outputs"),
])
def test_bad_plans_fail_naming_the_problem(tmp_path, mutate, message):
    data = json.loads(wordcount_plan(tmp_path).to_json())
    mutate(data)
    with pytest.raises(PlanError, match=message):
        JobPlan.from_json(json.dumps(data))


def test_not_json_is_a_plan_error():
    with pytest.raises(PlanError, match="not JSON"):
        JobPlan.from_json("{oops")


def test_keyed_operator_needs_key_by():
    ctx = StreamingContext()
    stream = ctx.from_collection([1])
    stream._ctx._add("REDUCE", "r", None, 1, [stream])
    with pytest.raises(PlanError, match="keyed; its input must come from key_by|no function"):
        ctx.plan("bad")


def test_chains_fuse_forward_edges_of_equal_parallelism(tmp_path):
    plan = wordcount_plan(tmp_path)
    got = [c.operators for c in chains(plan)]
    # the source (parallelism 1) rebalances into the flat_map chain, which ends at key_by;
    # reduce and sink form the keyed chain.
    assert got == [["0-source"], ["1-flat_map", "2-map", "3-key_by"], ["4-reduce", "5-sink"]]


def test_java_operator_builds_a_java_node(tmp_path):
    ctx = StreamingContext(parallelism=2)
    (ctx.from_collection(["1", "2"]).map(java_operator("com.x.Parse", 10))
        .map(lambda x: x).sink(FileSink(str(tmp_path))))
    plan = ctx.plan("mixed")
    node = plan.operators[1]
    assert node.language == "JAVA" and node.function.language == "JAVA"
    assert node.function.java_class == "com.x.Parse"
    assert msgpack.unpackb(node.function.args) == [10]
    # Java and Python operators never share a chain
    assert [c.language for c in chains(plan)] == ["PYTHON", "JAVA", "PYTHON"]


def test_key_hash_is_crc32_of_the_xlang_bytes():
    for key in ["word", 17, -5, b"\x00\x01", ("a", 1), 2**40]:
        packed = msgpack.packb(list(key) if isinstance(key, tuple) else key, use_bin_type=True)
        assert key_partition(key, 7) == zlib.crc32(packed) % 7
    assert key_partition(("a", 1), 5) == key_partition(["a", 1], 5)


def _window_logic(window, function="REDUCE", fn=None):
    ctx = StreamingContext()
    keyed = ctx.from_collection([0]).key_by(lambda r: r)
    windowed = keyed.window(window)
    stream = (windowed.reduce(fn or (lambda a, b: a + b)) if function == "REDUCE"
              else windowed.apply(fn))
    logic = make_logic(stream._op)
    logic.open(0, 1, None)
    return logic


def test_tumbling_and_sliding_count_windows():
    logic = _window_logic(TumblingCountWindow(3))
    out, _ = logic.process([("a", 1), ("b", 10), ("a", 2), ("a", 3), ("a", 4)], None)
    assert out == [6]
    logic = _window_logic(SlidingCountWindow(3, 2), "APPLY",
                          lambda key, start, end, values: [(key, start, end, values)])
    out, _ = logic.process([("k", i) for i in range(1, 7)], None)
    assert out == [("k", 0, 2, [1, 2]), ("k", 1, 4, [2, 3, 4]), ("k", 3, 6, [4, 5, 6])]


def test_event_time_windows_fire_on_the_watermark_and_drop_late_records():
    logic = _window_logic(TumblingEventTimeWindow(10))
    out, _ = logic.process([("a", 1), ("a", 2), ("b", 5)], [1, 9, 12])
    assert out == []
    fired, ts, wm = logic.on_watermark(9)
    assert sorted(fired) == [3] and ts == [9] and wm == 9
    logic.process([("a", 100)], [3])          # its window [0, 10) has fired: late
    assert logic.late_dropped == 1
    fired, _, _ = logic.on_watermark(19)
    assert fired == [5]
    logic = _window_logic(SlidingEventTimeWindow(10, 5), "APPLY",
                          lambda key, start, end, values: [(start, end, sorted(values))])
    logic.process([("a", 1), ("a", 2)], [3, 7])
    fired, _, _ = logic.on_watermark(100)
    assert fired == [(-5, 5, [1]), (0, 10, [1, 2]), (5, 15, [2])]


def test_window_state_survives_snapshot_and_restore():
    logic = _window_logic(TumblingCountWindow(2))
    logic.process([("a", 1)], None)
    state = logic.snapshot(1)
    fresh = _window_logic(TumblingCountWindow(2))
    fresh.open(0, 1, state)
    out, _ = fresh.process([("a", 5)], None)
    assert out == [6]


def test_streaming_imports_only_the_public_api():
    for path in (ROOT / "python/colony/streaming").rglob("*.py"):
        text = path.read_text()
        assert "colony._private" not in text and "colony._core" not in text, path
        assert "from colony import _" not in text, path
