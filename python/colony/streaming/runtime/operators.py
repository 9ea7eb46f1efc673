"""What each operator kind does to a batch of records (docs/streaming.md, "Operator kinds").

Every operator works a batch at a time: `process(records, timestamps)` returns its output
records and their timestamps (None when the records carry no event time). Keyed operators
receive `(key, record)` pairs. `snapshot` returns picklable state; the operator actor
pickles a chain's states together as its checkpoint blob.
"""

from __future__ import annotations

import collections
import functools
import importlib
import pickle

import msgpack

from colony.streaming.functions import CollectionSource, GeneratorSource, Sink, SourceFunction
from colony.streaming.plan import Operator

# The watermark of a bounded source that has ended: fires every open window (2^53, so
# that it stays exact in a double too).
END_OF_TIME = 2**53


def load_function(op: Operator):
    """The operator's Python callable (or object), with its bound `args`."""
    ref = op.function
    if ref is None:
        return None
    if ref.language != "PYTHON":
        raise ValueError(f"operator {op.id!r} has a {ref.language} function; a Python "
                         "operator actor runs only Python functions")
    if ref.pickled:
        fn = pickle.loads(ref.pickled)
    elif ref.module and ref.name:
        obj = importlib.import_module(ref.module)
        for part in ref.name.split("."):
            obj = getattr(obj, part)
        fn = obj
    else:
        raise ValueError(f"operator {op.id!r} names no function (module+name or pickled)")
    args = []
    if ref.args:
        args = msgpack.unpackb(ref.args, raw=False, strict_map_key=False)
        if not isinstance(args, list):
            raise ValueError(f"operator {op.id!r}: function args must be an XLANG list")
    if isinstance(fn, type) and issubclass(fn, (Sink, SourceFunction)):
        return fn(*args)   # named by module and class (a Java-built plan): make one
    return functools.partial(fn, *args) if args else fn


def hashable(key):
    """Keys that crossed as XLANG lists become tuples, so they can index state."""
    if isinstance(key, list):
        return tuple(hashable(k) for k in key)
    return key


class OperatorLogic:
    """One operator of a chain. Subclasses override what their kind needs."""

    def __init__(self, op: Operator, fn):
        self.op = op
        self.fn = fn
        self.late_dropped = 0
        self.records_in = 0
        self.records_out = 0

    def open(self, instance: int, parallelism: int, state) -> None:
        if state is not None:
            self.restore(state)

    def process(self, records: list, timestamps):
        return records, timestamps

    def on_watermark(self, watermark: int):
        """Records the watermark fires, and the watermark to pass on (None: swallow it)."""
        return [], None, watermark

    def take_watermark(self):
        """A watermark this operator made itself while processing (TIMESTAMPS), or None."""
        return None

    def snapshot(self, checkpoint_id: int):
        return None

    def restore(self, state) -> None:
        pass

    def commit(self, checkpoint_id: int) -> None:
        pass

    def close(self) -> None:
        pass


class MapLogic(OperatorLogic):
    def process(self, records, timestamps):
        fn = self.fn
        return [fn(r) for r in records], timestamps


class FlatMapLogic(OperatorLogic):
    def process(self, records, timestamps):
        fn = self.fn
        if timestamps is None:
            return [o for r in records for o in fn(r)], None
        out, ts = [], []
        for r, t in zip(records, timestamps):
            for o in fn(r):
                out.append(o)
                ts.append(t)
        return out, ts


class FilterLogic(OperatorLogic):
    def process(self, records, timestamps):
        fn = self.fn
        if timestamps is None:
            return [r for r in records if fn(r)], None
        kept = [(r, t) for r, t in zip(records, timestamps) if fn(r)]
        return [r for r, _ in kept], [t for _, t in kept]


class KeyByLogic(OperatorLogic):
    def process(self, records, timestamps):
        fn = self.fn
        return [(fn(r), r) for r in records], timestamps


class UnionLogic(OperatorLogic):
    pass


class TimestampsLogic(OperatorLogic):
    """Gives records their event time; its watermark trails the largest time seen."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        spec = op.timestamps
        self._lag = spec.max_out_of_orderness_ms if spec else 0
        self._max = None
        self._sent = None

    def process(self, records, timestamps):
        fn = self.fn
        ts = [int(fn(r)) for r in records]
        if ts:
            top = max(ts)
            self._max = top if self._max is None else max(self._max, top)
        return records, ts

    def on_watermark(self, watermark):
        # Upstream watermarks are replaced by this operator's own, except the end of time.
        if watermark >= END_OF_TIME:
            self._sent = watermark
            return [], None, watermark
        return [], None, None

    def take_watermark(self):
        if self._max is None:
            return None
        wm = self._max - self._lag
        if self._sent is None or wm > self._sent:
            self._sent = wm
            return wm
        return None

    def snapshot(self, checkpoint_id):
        return {"max": self._max, "sent": self._sent}

    def restore(self, state):
        self._max, self._sent = state["max"], state["sent"]


class ReduceLogic(OperatorLogic):
    """Running reduce per key; emits the new value for each record."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        self.state = {}

    def process(self, records, timestamps):
        fn, state, out = self.fn, self.state, []
        for key, value in records:
            k = hashable(key)
            acc = state.get(k, _MISSING)
            acc = value if acc is _MISSING else fn(acc, value)
            state[k] = acc
            out.append(acc)
        return out, timestamps

    def snapshot(self, checkpoint_id):
        return self.state

    def restore(self, state):
        self.state = dict(state)


class ProcessLogic(OperatorLogic):
    """fn(state, key, record) -> (new state, outputs); keyed state per key (None at first)."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        self.state = {}

    def process(self, records, timestamps):
        fn, state, out, out_ts = self.fn, self.state, [], []
        for i, (key, value) in enumerate(records):
            k = hashable(key)
            new_state, outputs = fn(state.get(k), key, value)
            if new_state is None:
                state.pop(k, None)
            else:
                state[k] = new_state
            for o in outputs or ():
                out.append(o)
                if timestamps is not None:
                    out_ts.append(timestamps[i])
        return out, (out_ts if timestamps is not None else None)

    def snapshot(self, checkpoint_id):
        return self.state

    def restore(self, state):
        self.state = dict(state)


_MISSING = object()


class CountWindowLogic(OperatorLogic):
    """Tumbling (slide == size) or sliding count windows per key."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        w = op.window
        self.size = w.size
        self.slide = w.slide if w.kind == "SLIDING_COUNT" else w.size
        self.apply = w.function == "APPLY"
        self.buffers = {}   # key -> deque of the last `size` values
        self.counts = {}    # key -> records seen

    def process(self, records, timestamps):
        out, out_ts = [], []
        for i, (key, value) in enumerate(records):
            k = hashable(key)
            buf = self.buffers.get(k)
            if buf is None:
                buf = self.buffers[k] = collections.deque(maxlen=self.size)
            buf.append(value)
            n = self.counts[k] = self.counts.get(k, 0) + 1
            if n % self.slide == 0:
                for o in self._fire(key, n - len(buf), n, list(buf)):
                    out.append(o)
                    out_ts.append(timestamps[i] if timestamps is not None else None)
                if self.slide == self.size:
                    buf.clear()
        return out, (out_ts if timestamps is not None else None)

    def _fire(self, key, start, end, values):
        if self.apply:
            return list(self.fn(key, start, end, values) or ())
        return [functools.reduce(self.fn, values)]

    def snapshot(self, checkpoint_id):
        return {"buffers": {k: list(v) for k, v in self.buffers.items()}, "counts": self.counts}

    def restore(self, state):
        self.counts = dict(state["counts"])
        self.buffers = {k: collections.deque(v, maxlen=self.size)
                        for k, v in state["buffers"].items()}


class EventTimeWindowLogic(OperatorLogic):
    """Tumbling or sliding event-time windows per key, fired by the watermark."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        w = op.window
        self.size = w.size
        self.slide = w.slide if w.kind == "SLIDING_EVENT_TIME" else w.size
        self.apply = w.function == "APPLY"
        self.windows = {}   # window start -> {key: (original key, accumulated or values)}
        self.watermark = None

    def _starts(self, ts):
        last = ts - ts % self.slide
        start = last
        while start > ts - self.size:
            yield start
            start -= self.slide

    def process(self, records, timestamps):
        if timestamps is None:
            raise ValueError(f"event-time window {self.op.id!r} got records without event "
                             "time: call assign_timestamps before key_by")
        wm = self.watermark
        for (key, value), ts in zip(records, timestamps):
            k = hashable(key)
            placed = False
            for start in self._starts(ts):
                if wm is not None and start + self.size - 1 <= wm:
                    continue  # that window has fired already
                placed = True
                per_key = self.windows.setdefault(start, {})
                entry = per_key.get(k)
                if self.apply:
                    if entry is None:
                        per_key[k] = (key, [value])
                    else:
                        entry[1].append(value)
                else:
                    per_key[k] = (key, value if entry is None else self.fn(entry[1], value))
            if not placed:
                self.late_dropped += 1
        return [], []

    def on_watermark(self, watermark):
        self.watermark = watermark
        out, out_ts = [], []
        for start in sorted(s for s in self.windows if s + self.size - 1 <= watermark):
            end = start + self.size
            for key, acc in self.windows.pop(start).values():
                results = list(self.fn(key, start, end, acc) or ()) if self.apply else [acc]
                out.extend(results)
                out_ts.extend([end - 1] * len(results))
        return out, out_ts, watermark

    def snapshot(self, checkpoint_id):
        return {"windows": self.windows, "watermark": self.watermark}

    def restore(self, state):
        self.windows, self.watermark = state["windows"], state["watermark"]


class SinkLogic(OperatorLogic):
    """Buffers the records of the current checkpoint epoch; stages them at the barrier and
    commits staged transactions once their checkpoint is complete (two-phase)."""

    def __init__(self, op, fn):
        super().__init__(op, fn)
        self.sink = fn
        self.buffer = []
        self.staged = {}   # checkpoint id -> transaction
        self.committed = 0

    def open(self, instance, parallelism, state):
        self.sink.open(instance, parallelism)
        if state is not None:
            self.staged = dict(state["staged"])
            # They belong to the checkpoint being restored, which is complete.
            self.commit(max(self.staged) if self.staged else 0)

    def process(self, records, timestamps):
        self.buffer.extend(records)
        return [], None

    def snapshot(self, checkpoint_id):
        self.staged[checkpoint_id] = self.sink.stage(checkpoint_id, self.buffer)
        self.buffer = []
        return {"staged": dict(self.staged)}

    def commit(self, checkpoint_id):
        for cid in sorted(c for c in self.staged if c <= checkpoint_id):
            self.sink.commit(self.staged.pop(cid))
        self.committed = max(self.committed, checkpoint_id)

    def close(self):
        self.sink.close()


class SourceLogic(OperatorLogic):
    """Reads a SourceFunction; its state is the function's offset."""

    def __init__(self, op, fn, batch_wait_s=0.005):
        super().__init__(op, fn)
        spec = op.source
        if spec.kind == "COLLECTION":
            if spec.pickled_elements:
                elements = pickle.loads(spec.pickled_elements)
            else:
                elements = msgpack.unpackb(spec.elements, raw=False, strict_map_key=False)
            self.source = CollectionSource(elements)
        elif spec.kind == "GENERATOR":
            self.source = GeneratorSource(fn, max_wait_s=min(0.005, batch_wait_s))
        else:
            self.source = fn
        self.exhausted = False

    def open(self, instance, parallelism, state):
        self.source.open(instance, parallelism, None if state is None else state["offset"])

    def read(self, max_records):
        if self.exhausted:
            return None
        records = self.source.read(max_records)
        if records is None:
            self.exhausted = True
        return records

    def snapshot(self, checkpoint_id):
        return {"offset": self.source.offset()}

    def close(self):
        self.source.close()


_BY_KIND = {"MAP": MapLogic, "FLAT_MAP": FlatMapLogic, "FILTER": FilterLogic,
            "KEY_BY": KeyByLogic, "UNION": UnionLogic, "TIMESTAMPS": TimestampsLogic,
            "REDUCE": ReduceLogic, "PROCESS": ProcessLogic, "SINK": SinkLogic,
            "SOURCE": SourceLogic}


def make_logic(op: Operator, channel=None) -> OperatorLogic:
    """`channel` (ChannelConfig) bounds how long a generator source gathers a batch."""
    fn = load_function(op)
    if op.kind == "SOURCE" and channel is not None:
        return SourceLogic(op, fn, channel.batch_timeout_ms / 1000.0)
    if op.kind == "WINDOW":
        cls = CountWindowLogic if op.window.kind.endswith("COUNT") else EventTimeWindowLogic
    else:
        cls = _BY_KIND.get(op.kind)
        if cls is None:
            raise ValueError(f"operator {op.id!r}: kind {op.kind} is not supported")
    return cls(op, fn)
