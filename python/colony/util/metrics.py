"""User-defined metrics: Counter, Gauge and Histogram, as in Ray (`ray.util.metrics`).

    from colony.util.metrics import Counter, Gauge, Histogram

    requests = Counter("app_requests", "requests served", tag_keys=("route",))
    requests.inc(tags={"route": "/a"})
    queue = Gauge("app_queue_length", "items waiting").set_default_tags({})
    queue.set(12)
    latency = Histogram("app_latency_s", "request latency", boundaries=[0.01, 0.1, 1],
                        tag_keys=("route",))
    latency.observe(0.05, tags={"route": "/a"})

Values recorded in a task, an actor or a driver reach the /metrics of the node's metrics
agent within about a second (colony._private.metrics_reporter sends them), tagged with their tags and
the node's id; the dashboard's /metrics serves every node's (docs/observability.md).
Names and tag keys follow Prometheus's rules; names starting with `colony_` are the
built-in metrics'. Bad input raises ValueError/TypeError naming the problem.
"""

from __future__ import annotations

import math
import re
import threading

__all__ = ["Counter", "Gauge", "Histogram"]

# ---- names: Prometheus's rules, plus names Colony keeps (the node's metrics agent checks
# what processes report with these too; Java: io.colony.api.metrics.MetricNames)

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
TAG_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Built-in series start with colony_; every series a node agent serves carries node_id.
RESERVED_PREFIX = "colony_"
RESERVED_TAGS = frozenset({"node_id", "le", "quantile"})
TYPES = ("counter", "gauge", "histogram")


def check_name(name) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(f"metric name {name!r} is not valid: use letters, digits, '_' and ':' "
                         f"and do not start with a digit (Prometheus names)")
    if name.startswith(RESERVED_PREFIX):
        raise ValueError(f"metric name {name!r}: names starting with {RESERVED_PREFIX!r} are "
                         f"Colony's built-in metrics")
    return name


def check_tag_keys(name: str, tag_keys) -> tuple:
    if tag_keys is None:
        return ()
    if isinstance(tag_keys, str) or not all(isinstance(k, str) for k in tag_keys):
        raise TypeError(f"metric {name!r}: tag_keys must be a tuple of strings, got {tag_keys!r}")
    keys = tuple(tag_keys)
    for k in keys:
        if not TAG_RE.fullmatch(k) or k.startswith("__"):
            raise ValueError(f"metric {name!r}: tag key {k!r} is not valid (letters, digits and "
                             f"'_', not starting with a digit or '__')")
        if k in RESERVED_TAGS:
            raise ValueError(f"metric {name!r}: tag key {k!r} is reserved "
                             f"({', '.join(sorted(RESERVED_TAGS))})")
    if len(set(keys)) != len(keys):
        raise ValueError(f"metric {name!r}: tag key repeated in {keys!r}")
    return keys


def check_boundaries(name: str, boundaries) -> tuple:
    try:
        b = tuple(float(x) for x in boundaries)
    except (TypeError, ValueError):
        raise TypeError(f"histogram {name!r}: boundaries must be numbers, got {boundaries!r}") from None
    if not b:
        raise ValueError(f"histogram {name!r}: needs at least one bucket boundary")
    if any(x != x or x in (float("inf"), float("-inf")) for x in b):
        raise ValueError(f"histogram {name!r}: boundaries must be finite, got {b!r}")
    if any(b[i] >= b[i + 1] for i in range(len(b) - 1)):
        raise ValueError(f"histogram {name!r}: boundaries must increase strictly, got {b!r}")
    return b


# ---- this process's values
class MetricState:
    """One metric's series in this process; guarded by the registry's lock."""

    def __init__(self, registry, name, type_, description, tag_keys, boundaries):
        self._registry = registry
        self.name, self.type, self.description = name, type_, description
        self.tag_keys, self.boundaries = tag_keys, boundaries
        self.series: dict = {}  # tag values -> float, or [bucket counts..., sum, count]

    def add(self, key: tuple, value: float) -> None:
        with self._registry.lock:
            self.series[key] = self.series.get(key, 0.0) + value
            self._registry.changed = True

    def set(self, key: tuple, value: float) -> None:
        with self._registry.lock:
            self.series[key] = value
            self._registry.changed = True

    def observe(self, key: tuple, value: float) -> None:
        with self._registry.lock:
            h = self.series.get(key)
            if h is None:
                h = self.series[key] = [0] * (len(self.boundaries) + 1) + [0.0, 0]
            i = 0
            while i < len(self.boundaries) and value > self.boundaries[i]:
                i += 1
            h[i] += 1
            h[-2] += value
            h[-1] += 1
            self._registry.changed = True

    def to_json(self) -> dict:
        out = {"name": self.name, "type": self.type, "description": self.description,
               "tag_keys": list(self.tag_keys), "series": []}
        if self.type == "histogram":
            out["boundaries"] = list(self.boundaries)
            for key, h in self.series.items():
                out["series"].append({"tags": list(key), "buckets": h[:-2], "sum": h[-2],
                                      "count": h[-1]})
        else:
            for key, v in self.series.items():
                out["series"].append({"tags": list(key), "value": v})
        return out


class Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.metrics: dict = {}
        self.changed = False
        # Set by colony._private.metrics_reporter when it is imported (every driver and
        # worker imports it): this leaf module knows nothing of where values go.
        self.on_first_metric = None

    def register(self, name, type_, description, tag_keys, boundaries) -> MetricState:
        """The state of `name`; defining it again (e.g. in each call of a task) shares it,
        as long as the type, tag keys and boundaries are the same."""
        with self.lock:
            have = self.metrics.get(name)
            if have is not None:
                if (have.type, have.tag_keys, have.boundaries) != (type_, tag_keys, boundaries):
                    raise ValueError(
                        f"metric {name!r} is already defined in this process as a {have.type} "
                        f"with tag_keys={have.tag_keys!r}"
                        + (f" and boundaries={list(have.boundaries)}" if have.boundaries else "")
                        + f"; it cannot be redefined as a {type_} with tag_keys={tag_keys!r}")
                return have
            state = self.metrics[name] = MetricState(self, name, type_, description, tag_keys,
                                                     boundaries)
            first = len(self.metrics) == 1
        if first and self.on_first_metric is not None:
            self.on_first_metric(self)  # starts this process's reporter (colony._private)
        return state

    def snapshot(self) -> list:
        with self.lock:
            self.changed = False
            return [m.to_json() for m in self.metrics.values()]


_registry = Registry()


def registry() -> Registry:
    return _registry


# ---- the API


class Metric:
    _type = ""

    def __init__(self, name: str, description: str = "", tag_keys=None):
        check_name(name)
        if not isinstance(description, str):
            raise TypeError(f"metric {name!r}: description must be a string, "
                            f"got {type(description).__name__}")
        self._name = name
        self._tag_keys = check_tag_keys(name, tag_keys)
        self._default_tags: dict = {}
        self._state = registry().register(
            name, self._type, description, self._tag_keys, self._boundaries())

    def _boundaries(self) -> tuple:
        return ()

    @property
    def info(self) -> dict:
        return {"name": self._name, "type": self._type, "description": self._state.description,
                "tag_keys": self._tag_keys, "default_tags": dict(self._default_tags)}

    def set_default_tags(self, default_tags: dict):
        """Tag values used when a recording does not name them; returns the metric."""
        self._default_tags = self._checked_tags(default_tags, partial=True)
        return self

    def _checked_tags(self, tags, partial: bool = False) -> dict:
        if tags is None:
            return {}
        if not isinstance(tags, dict):
            raise TypeError(f"metric {self._name!r}: tags must be a dict, got "
                            f"{type(tags).__name__}")
        for k, v in tags.items():
            if k not in self._tag_keys:
                raise ValueError(f"metric {self._name!r}: tag key {k!r} was not declared "
                                 f"(tag_keys={self._tag_keys!r})")
            if not isinstance(v, str):
                raise TypeError(f"metric {self._name!r}: the value of tag {k!r} must be a "
                                f"string, got {type(v).__name__}")
        return dict(tags)

    def _series(self, tags) -> tuple:
        merged = {**self._default_tags, **self._checked_tags(tags)}
        missing = [k for k in self._tag_keys if k not in merged]
        if missing:
            raise ValueError(f"metric {self._name!r}: no value for tag(s) {missing} (pass them "
                             f"in tags= or set_default_tags)")
        return tuple(merged[k] for k in self._tag_keys)

    def _number(self, value) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {self._name!r}: value must be a number, got "
                            f"{type(value).__name__}")
        value = float(value)
        if math.isnan(value):
            raise ValueError(f"metric {self._name!r}: value is NaN")
        return value


class Counter(Metric):
    """A total that only goes up (exposed as `<name>_total`)."""
    _type = "counter"

    def inc(self, value: float = 1.0, tags: dict | None = None) -> None:
        value = self._number(value)
        if value < 0:
            raise ValueError(f"counter {self._name!r}: increment must be >= 0, got {value}")
        self._state.add(self._series(tags), value)


class Gauge(Metric):
    """A value that is set (the last one set is shown)."""
    _type = "gauge"

    def set(self, value: float, tags: dict | None = None) -> None:
        self._state.set(self._series(tags), self._number(value))


class Histogram(Metric):
    """Observations counted into buckets with the given upper boundaries (+Inf added)."""
    _type = "histogram"

    def __init__(self, name: str, description: str = "", boundaries=None, tag_keys=None):
        if boundaries is None:
            raise ValueError(f"histogram {name!r}: boundaries are required "
                             f"(e.g. boundaries=[0.01, 0.1, 1])")
        self._bounds = check_boundaries(name, boundaries)
        super().__init__(name, description, tag_keys)

    def _boundaries(self) -> tuple:
        return self._bounds

    def observe(self, value: float, tags: dict | None = None) -> None:
        self._state.observe(self._series(tags), self._number(value))
