"""The job plan (proto/streaming.proto, message JobPlan) in Python, and its proto3 JSON form.

The plan travels as proto3 JSON (docs/streaming.md, "The plan"): lowerCamelCase names,
enums by name, bytes as base64, defaults may be omitted. Readers here accept the proto
field names too and ignore unknown fields, as Java's JsonFormat parser does with
ignoringUnknownFields.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from dataclasses import dataclass, field

PLAN_VERSION = 1

LANGUAGES = ("PYTHON", "JAVA")
KINDS = ("OPERATOR_KIND_UNSPECIFIED", "SOURCE", "MAP", "FLAT_MAP", "FILTER", "KEY_BY", "REDUCE",
         "PROCESS", "WINDOW", "UNION", "SINK", "TIMESTAMPS")
KEYED_KINDS = ("REDUCE", "PROCESS", "WINDOW")
PARTITIONINGS = ("FORWARD", "KEY_HASH", "BROADCAST", "REBALANCE")
SOURCE_KINDS = ("COLLECTION", "GENERATOR", "FUNCTION")
WINDOW_KINDS = ("TUMBLING_COUNT", "SLIDING_COUNT", "TUMBLING_EVENT_TIME", "SLIDING_EVENT_TIME")
WINDOW_FUNCTIONS = ("REDUCE", "APPLY")
STORAGES = ("OBJECT_STORE", "FOLDER")

UINT32_MAX = 2**32 - 1


class PlanError(ValueError):
    """A plan that cannot run: the message names the operator or edge and the problem."""


@dataclass
class FunctionRef:
    language: str = "PYTHON"
    module: str = ""
    name: str = ""
    pickled: bytes = b""
    java_class: str = ""
    args: bytes = b""


@dataclass
class SourceSpec:
    kind: str = "COLLECTION"
    elements: bytes = b""
    pickled_elements: bytes = b""


@dataclass
class WindowSpec:
    kind: str = "TUMBLING_COUNT"
    size: int = 0
    slide: int = 0
    function: str = "REDUCE"


@dataclass
class TimestampSpec:
    max_out_of_orderness_ms: int = 0


@dataclass
class Operator:
    id: str = ""
    name: str = ""
    kind: str = "OPERATOR_KIND_UNSPECIFIED"
    language: str = "PYTHON"
    function: FunctionRef | None = None
    parallelism: int = 1
    source: SourceSpec | None = None
    window: WindowSpec | None = None
    timestamps: TimestampSpec | None = None


@dataclass
class Edge:
    upstream: str = ""
    downstream: str = ""
    partitioning: str = "FORWARD"


@dataclass
class ChannelConfig:
    """Batching and back-pressure of every channel (docs/streaming.md, "Credits").

    Memory per channel is bounded by credits x max_batch_bytes."""
    batch_size: int = 256
    batch_timeout_ms: int = 20
    credits: int = 8
    max_batch_bytes: int = 1 << 20


@dataclass
class CheckpointConfig:
    """interval_ms=0: only the final checkpoint; storage OBJECT_STORE or FOLDER (with folder)."""
    interval_ms: int = 1000
    storage: str = "OBJECT_STORE"
    folder: str = ""
    timeout_ms: int = 60000


@dataclass
class JobPlan:
    version: int = PLAN_VERSION
    name: str = ""
    operators: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    channel: ChannelConfig = field(default_factory=ChannelConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)

    def operator(self, op_id: str) -> Operator:
        for op in self.operators:
            if op.id == op_id:
                return op
        raise PlanError(f"the plan has no operator {op_id!r}")

    def inputs(self, op_id: str) -> list:
        return [(i, e) for i, e in enumerate(self.edges) if e.downstream == op_id]

    def outputs(self, op_id: str) -> list:
        return [(i, e) for i, e in enumerate(self.edges) if e.upstream == op_id]

    def to_json(self) -> str:
        return json.dumps(_to_json_value(self), separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> "JobPlan":
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as e:
            raise PlanError(f"the plan is not JSON: {e}") from None
        if not isinstance(data, dict):
            raise PlanError("the plan's JSON must be an object")
        plan = _from_json_value(JobPlan, data, "plan")
        validate(plan)
        return plan


# ---- proto3 JSON mapping ----

def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _to_json_value(value):
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if v is None:
                continue
            out[_camel(f.name)] = _to_json_value(v)
        return out
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [_to_json_value(v) for v in value]
    return value


_NESTED = {"function": FunctionRef, "source": SourceSpec, "window": WindowSpec,
           "timestamps": TimestampSpec, "channel": ChannelConfig,
           "checkpoint": CheckpointConfig}
_LISTS = {"operators": Operator, "edges": Edge}
_ENUMS = {(Operator, "kind"): KINDS, (Operator, "language"): LANGUAGES,
          (FunctionRef, "language"): LANGUAGES, (Edge, "partitioning"): PARTITIONINGS,
          (SourceSpec, "kind"): SOURCE_KINDS, (WindowSpec, "kind"): WINDOW_KINDS,
          (WindowSpec, "function"): WINDOW_FUNCTIONS, (CheckpointConfig, "storage"): STORAGES}


def _from_json_value(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise PlanError(f"{where} must be a JSON object, got {type(data).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        name = key if key in known else _snake(key)
        if name not in known:
            continue  # unknown fields are ignored, as proto3 readers may
        here = f"{where}.{name}"
        if name in _LISTS and cls is JobPlan:
            if not isinstance(value, list):
                raise PlanError(f"{here} must be a list")
            kwargs[name] = [_from_json_value(_LISTS[name], v, f"{here}[{i}]")
                            for i, v in enumerate(value)]
        elif name in _NESTED and cls in (JobPlan, Operator):
            kwargs[name] = _from_json_value(_NESTED[name], value, here)
        elif (cls, name) in _ENUMS:
            names = _ENUMS[(cls, name)]
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
                value = names[value]
            if value not in names:
                raise PlanError(f"{here} is {value!r}; expected one of {', '.join(names)}")
            kwargs[name] = value
        elif known[name].type in ("bytes",):
            try:
                kwargs[name] = base64.b64decode(value or "", validate=True)
            except (TypeError, ValueError):
                raise PlanError(f"{here} must be base64 bytes") from None
        elif known[name].type in ("int",):
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= UINT32_MAX:
                raise PlanError(f"{here} must be an unsigned 32-bit integer, got {value!r}")
            kwargs[name] = value
        else:
            if not isinstance(value, str):
                raise PlanError(f"{here} must be a string, got {value!r}")
            kwargs[name] = value
    return cls(**kwargs)


# ---- checks ----

def validate(plan: JobPlan) -> None:
    """Raises PlanError naming the first problem: what a runtime could not run."""
    if plan.version != PLAN_VERSION:
        raise PlanError(f"plan version {plan.version} is not supported (this runtime reads "
                        f"version {PLAN_VERSION})")
    if not plan.operators:
        raise PlanError("the plan has no operators")
    ids = set()
    for op in plan.operators:
        if not op.id:
            raise PlanError("an operator has an empty id")
        if op.id in ids:
            raise PlanError(f"operator id {op.id!r} appears twice")
        ids.add(op.id)
        if op.kind == "OPERATOR_KIND_UNSPECIFIED":
            raise PlanError(f"operator {op.id!r} has no kind")
        if op.parallelism < 1:
            raise PlanError(f"operator {op.id!r} has parallelism {op.parallelism}; it must be "
                            "at least 1")
        if op.kind not in ("UNION",) and op.function is None and not (
                op.kind == "SOURCE" and op.source and op.source.kind == "COLLECTION"):
            raise PlanError(f"operator {op.id!r} ({op.kind}) has no function")
        if op.kind == "WINDOW":
            w = op.window
            if w is None or w.size < 1:
                raise PlanError(f"window operator {op.id!r} needs a window of size at least 1")
            if w.kind.startswith("SLIDING") and not 1 <= w.slide:
                raise PlanError(f"sliding window operator {op.id!r} needs a slide of at least 1")
    for i, e in enumerate(plan.edges):
        for end in (e.upstream, e.downstream):
            if end not in ids:
                raise PlanError(f"edge {i} names operator {end!r}, which is not in the plan")
        up, down = plan.operator(e.upstream), plan.operator(e.downstream)
        if e.partitioning == "FORWARD" and up.parallelism != down.parallelism:
            raise PlanError(f"edge {i} ({e.upstream} -> {e.downstream}) is FORWARD between "
                            f"parallelism {up.parallelism} and {down.parallelism}")
        if (e.partitioning == "KEY_HASH") != (up.kind == "KEY_BY"):
            raise PlanError(f"edge {i} ({e.upstream} -> {e.downstream}): KEY_HASH edges, and "
                            "only they, leave KEY_BY operators")
        if down.kind in KEYED_KINDS and e.partitioning != "KEY_HASH":
            raise PlanError(f"operator {down.id!r} ({down.kind}) is keyed; its input must come "
                            "from key_by")
    for op in plan.operators:
        n_in = len(plan.inputs(op.id))
        if op.kind == "SOURCE" and n_in:
            raise PlanError(f"source {op.id!r} has inputs")
        if op.kind != "SOURCE" and not n_in:
            raise PlanError(f"operator {op.id!r} ({op.kind}) has no input")
        if op.kind == "SINK" and plan.outputs(op.id):
            raise PlanError(f"sink {op.id!r} has outputs")
    _check_acyclic(plan)


def _check_acyclic(plan: JobPlan) -> None:
    state = {}

    def visit(op_id):
        if state.get(op_id) == 1:
            raise PlanError(f"the plan has a cycle through operator {op_id!r}")
        if state.get(op_id) == 2:
            return
        state[op_id] = 1
        for _, e in plan.outputs(op_id):
            visit(e.downstream)
        state[op_id] = 2

    for op in plan.operators:
        visit(op.id)
