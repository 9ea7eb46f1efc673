"""Building a job: `StreamingContext` and `DataStream` make a `JobPlan`, which
`StreamingContext.execute` runs (docs/streaming.md)."""

from __future__ import annotations

import dataclasses
import pickle
import sys
import sysconfig

import cloudpickle
import msgpack

from colony.streaming.functions import Sink, SourceFunction
from colony.streaming.job import JobHandle
from colony.streaming.plan import (ChannelConfig, CheckpointConfig, Edge, FunctionRef, JobPlan,
                                   Operator, PlanError, SourceSpec, TimestampSpec, WindowSpec,
                                   validate)
from colony.streaming.windows import Window


@dataclasses.dataclass(frozen=True)
class JavaOperator:
    """A Java operator function, by class name (`java_operator("com.x.Parse")`); `args`
    (XLANG values) go to its constructor."""
    class_name: str
    args: tuple = ()

    def ref(self) -> FunctionRef:
        return FunctionRef(language="JAVA", java_class=self.class_name,
                           args=msgpack.packb(list(self.args), use_bin_type=True)
                           if self.args else b"")


def java_operator(class_name: str, *args) -> JavaOperator:
    """A Java function for map, flat_map, filter, key_by, reduce, ...: the operator then runs
    in Java operator actors (io.colony.streaming.runtime.OperatorActor)."""
    if not isinstance(class_name, str) or not class_name:
        raise TypeError(f"java_operator needs a class name, got {class_name!r}")
    return JavaOperator(class_name, tuple(args))


_STDLIB = sysconfig.get_paths()["stdlib"]


def _pickle_by_value(obj) -> None:
    """Functions and classes of modules outside site-packages (scripts, test files, a
    project's helpers) may not be importable in the workers: they travel by value, as
    colony.remote functions do."""
    name = getattr(obj, "__module__", None) or type(obj).__module__
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None) or ""
    if (module is None or not path or name == "__main__" or "site-packages" in path
            or path.startswith(_STDLIB) or name.split(".")[0] == "colony"):
        return
    try:
        cloudpickle.register_pickle_by_value(module)
    except (ValueError, TypeError):
        pass


def _function_ref(fn, what: str) -> FunctionRef:
    if isinstance(fn, JavaOperator):
        return fn.ref()
    if not callable(fn) and not isinstance(fn, (SourceFunction, Sink)):
        raise TypeError(f"{what} needs a function, got {type(fn).__name__}")
    _pickle_by_value(fn if callable(fn) and not isinstance(fn, (SourceFunction, Sink))
                     else type(fn))
    try:
        return FunctionRef(language="PYTHON", pickled=cloudpickle.dumps(fn, protocol=5))
    except Exception as e:  # noqa: BLE001 - say which operator's function cannot travel
        raise TypeError(f"the function of {what} cannot be pickled: {e}") from None


def _check_parallelism(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"parallelism must be an integer >= 1, got {value!r}")
    return value


class StreamingContext:
    """Builds a streaming job. `parallelism` is the default for operators that set none;
    `channel` and `checkpoint` are the job's ChannelConfig and CheckpointConfig.

        ctx = StreamingContext(parallelism=2)
        (ctx.from_collection(["a b", "b c"])
            .flat_map(str.split).map(lambda w: (w, 1))
            .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
            .sink(FileSink("/tmp/out")))
        job = ctx.execute("wordcount")
        job.wait()
    """

    def __init__(self, parallelism: int = 1, channel: ChannelConfig | None = None,
                 checkpoint: CheckpointConfig | None = None):
        self.parallelism = _check_parallelism(parallelism)
        self.channel = channel or ChannelConfig()
        self.checkpoint = checkpoint or CheckpointConfig()
        self._operators = []
        self._edges = []

    # ---- sources ----

    def from_collection(self, elements, parallelism: int = 1) -> "DataStream":
        elements = list(elements)
        spec = SourceSpec(kind="COLLECTION")
        try:
            spec.elements = msgpack.packb(elements, use_bin_type=True)
        except (TypeError, ValueError, OverflowError):
            spec.pickled_elements = pickle.dumps(elements, protocol=5)
        return self._add("SOURCE", "collection", None, parallelism, [], source=spec)

    def from_generator(self, fn, parallelism: int = 1) -> "DataStream":
        """`fn(instance, parallelism)` returns an iterator; it must be deterministic, since
        after a failure it is run again and the records before the checkpoint skipped.
        `java_operator("com.x.Gen")` names a Java generator instead."""
        return self._add("SOURCE", "generator", _function_ref(fn, "from_generator"),
                         parallelism, [], source=SourceSpec(kind="GENERATOR"))

    def from_source(self, source, parallelism: int = 1) -> "DataStream":
        """A SourceFunction instance, or java_operator("com.x.MySource") for a Java one."""
        if not isinstance(source, (SourceFunction, JavaOperator)):
            raise TypeError(f"from_source needs a SourceFunction, got {type(source).__name__}")
        name = source.class_name if isinstance(source, JavaOperator) else type(source).__name__
        return self._add("SOURCE", name, _function_ref(source, "from_source"),
                         parallelism, [], source=SourceSpec(kind="FUNCTION"))

    # ---- building ----

    def _add(self, kind, name, function, parallelism, inputs, partitioning=None, **extra):
        language = function.language if function is not None else "PYTHON"
        op = Operator(id=f"{len(self._operators)}-{kind.lower()}", name=name, kind=kind,
                      language=language, function=function,
                      parallelism=_check_parallelism(parallelism), **extra)
        self._operators.append(op)
        for upstream in inputs:
            part = partitioning or upstream._next_partitioning or (
                "FORWARD" if upstream._op.parallelism == op.parallelism else "REBALANCE")
            self._edges.append(Edge(upstream._op.id, op.id, part))
        return DataStream(self, op)

    def plan(self, name: str) -> JobPlan:
        plan = JobPlan(name=name, operators=list(self._operators), edges=list(self._edges),
                       channel=self.channel, checkpoint=self.checkpoint)
        validate(plan)
        return plan

    def execute(self, name: str, max_restarts: int = 10,
                actor_options: dict | None = None) -> JobHandle:
        """Starts the job and returns its handle (status, metrics, wait, stop, resume).
        `actor_options` go to every operator actor (e.g. `{"scheduling_strategy": "SPREAD"}`
        or resources); they default to `num_cpus=0`."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a job needs a non-empty name, got {name!r}")
        if not any(op.kind == "SINK" for op in self._operators):
            raise PlanError("the job has no sink: add .sink(...) to a stream")
        return JobHandle.start(self.plan(name), max_restarts=max_restarts,
                               actor_options=actor_options)


class DataStream:
    """A stream of records leaving one operator."""

    def __init__(self, ctx: StreamingContext, op: Operator):
        self._ctx = ctx
        self._op = op
        self._next_partitioning = None

    @property
    def operator_id(self) -> str:
        return self._op.id

    def _then(self, kind, name, fn, parallelism, what, **extra) -> "DataStream":
        ref = _function_ref(fn, what) if fn is not None else None
        return self._ctx._add(kind, name or what, ref,
                              self._ctx.parallelism if parallelism is None else parallelism,
                              [self], **extra)

    def map(self, fn, parallelism: int | None = None, name: str | None = None):
        return self._then("MAP", name, fn, parallelism, "map")

    def flat_map(self, fn, parallelism: int | None = None, name: str | None = None):
        return self._then("FLAT_MAP", name, fn, parallelism, "flat_map")

    def filter(self, fn, parallelism: int | None = None, name: str | None = None):
        return self._then("FILTER", name, fn, parallelism, "filter")

    def assign_timestamps(self, fn, max_out_of_orderness_ms: int = 0,
                          name: str | None = None) -> "DataStream":
        """`fn(record)` gives the record's event time in ms; watermarks trail the largest
        time seen by `max_out_of_orderness_ms`."""
        return self._then("TIMESTAMPS", name, fn, self._op.parallelism, "assign_timestamps",
                          timestamps=TimestampSpec(int(max_out_of_orderness_ms)))

    def key_by(self, fn, name: str | None = None) -> "KeyedStream":
        """Records with the same key `fn(record)` go to the same instance of the next
        (keyed) operator. Keys must be XLANG values (strings, numbers, bytes, lists)."""
        stream = self._then("KEY_BY", name, fn, self._op.parallelism, "key_by")
        stream._next_partitioning = "KEY_HASH"
        return KeyedStream(self._ctx, stream._op, stream)

    def union(self, *others: "DataStream", parallelism: int | None = None) -> "DataStream":
        for o in others:
            if not isinstance(o, DataStream) or o._ctx is not self._ctx:
                raise TypeError("union takes streams of the same StreamingContext")
        return self._ctx._add("UNION", "union", None,
                              self._ctx.parallelism if parallelism is None else parallelism,
                              [self, *others], partitioning=None)

    def rebalance(self) -> "DataStream":
        """The next operator gets this stream's records round robin."""
        self._next_partitioning = "REBALANCE"
        return self

    def broadcast(self) -> "DataStream":
        """Every instance of the next operator gets every record."""
        self._next_partitioning = "BROADCAST"
        return self

    def sink(self, sink, parallelism: int | None = None, name: str | None = None):
        """Ends the stream in a Sink (FileSink, CallbackSink, or your own two-phase Sink);
        a plain function is wrapped in a CallbackSink."""
        if not isinstance(sink, (Sink, JavaOperator)):
            if not callable(sink):
                raise TypeError(f"sink needs a Sink or a function, got {type(sink).__name__}")
            from colony.streaming.functions import CallbackSink
            sink = CallbackSink(sink)
        return self._then("SINK", name or type(sink).__name__, sink, parallelism, "sink")


class KeyedStream(DataStream):
    """A stream partitioned by key: reduce, process (keyed state) and windows."""

    def __init__(self, ctx, op, stream):
        super().__init__(ctx, op)
        self._next_partitioning = "KEY_HASH"

    def reduce(self, fn, parallelism: int | None = None, name: str | None = None):
        """Running reduce per key: emits `fn(accumulated, record)` for each record."""
        return self._then("REDUCE", name, fn, parallelism, "reduce")

    def process(self, fn, parallelism: int | None = None, name: str | None = None):
        """`fn(state, key, record) -> (new state, outputs)`; the state (None at first) is
        kept per key and checkpointed; returning None as the state clears it."""
        return self._then("PROCESS", name, fn, parallelism, "process")

    def window(self, window: Window) -> "WindowedStream":
        if not isinstance(window, Window):
            raise TypeError(f"window needs a window such as TumblingCountWindow(10), got "
                            f"{type(window).__name__}")
        return WindowedStream(self, window)


class WindowedStream:
    def __init__(self, keyed: KeyedStream, window: Window):
        self._keyed = keyed
        self._window = window

    def _add(self, fn, function_kind, parallelism, name):
        w = self._window
        spec = WindowSpec(kind=w.kind, size=w.size, slide=w.slide, function=function_kind)
        return self._keyed._then("WINDOW", name, fn, parallelism, f"window {w}", window=spec)

    def reduce(self, fn, parallelism: int | None = None, name: str | None = None):
        """Emits each fired window's `fn`-reduced value per key."""
        return self._add(fn, "REDUCE", parallelism, name)

    def apply(self, fn, parallelism: int | None = None, name: str | None = None):
        """`fn(key, start, end, values)` returns the outputs of each fired window (start and
        end: event-time ms, or the key's record counts for count windows)."""
        return self._add(fn, "APPLY", parallelism, name)
