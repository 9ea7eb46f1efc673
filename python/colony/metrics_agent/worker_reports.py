"""The user metrics that this node's processes report (colony._private.metrics_reporter).

Each process sends its whole current state; this keeps the latest report per process and
merges them when scraped: counters and histograms are summed over processes (per tag
values), a gauge shows the value of the process that reported it last. A process that has
not reported for `expiry_s` (it died, or was killed) is dropped with its series.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from prometheus_client.core import (CounterMetricFamily, GaugeMetricFamily,
                                    HistogramMetricFamily)

from colony.util import metrics as metric_names

log = logging.getLogger("colony.metrics_agent")


class ReportError(ValueError):
    """A report this agent refuses (bad shape, name or tags): answered with 400."""


def _check_report(report) -> list:
    if not isinstance(report, dict) or not isinstance(report.get("metrics"), list):
        raise ReportError("a report is a JSON object with a 'metrics' list")
    if not isinstance(report.get("worker_id"), str) or not report["worker_id"]:
        raise ReportError("a report names its process in 'worker_id'")
    out = []
    for m in report["metrics"]:
        try:
            name = metric_names.check_name(m["name"])
            if m["type"] not in metric_names.TYPES:
                raise ReportError(f"metric {name!r}: unknown type {m['type']!r}")
            keys = metric_names.check_tag_keys(name, m.get("tag_keys") or ())
            bounds = (metric_names.check_boundaries(name, m["boundaries"])
                      if m["type"] == "histogram" else ())
            for s in m["series"]:
                if len(s["tags"]) != len(keys) or not all(isinstance(t, str) for t in s["tags"]):
                    raise ReportError(f"metric {name!r}: series tags {s['tags']!r} do not match "
                                      f"tag_keys {list(keys)!r}")
                if m["type"] == "histogram":
                    if len(s["buckets"]) != len(bounds) + 1:
                        raise ReportError(f"histogram {name!r}: {len(s['buckets'])} bucket "
                                          f"counts for {len(bounds)} boundaries (+Inf)")
                    float(s["sum"]), int(s["count"])
                else:
                    float(s["value"])
        except (KeyError, TypeError) as e:
            raise ReportError(f"malformed metric in report: {type(e).__name__}: {e}") from None
        except ValueError as e:
            raise ReportError(str(e)) from None
        out.append(m)
    return out


class WorkerReports:
    def __init__(self, expiry_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.expiry_s = expiry_s
        self._clock = clock
        self._lock = threading.Lock()
        self._reports: dict = {}  # worker id -> (received at, pid, metrics)

    def add(self, report) -> None:
        metrics = _check_report(report)
        with self._lock:
            self._reports[report["worker_id"]] = (self._clock(), report.get("pid"), metrics)

    def processes(self) -> int:
        with self._lock:
            self._expire()
            return len(self._reports)

    def _expire(self) -> None:
        now = self._clock()
        for wid in [w for w, (t, _, _) in self._reports.items() if now - t > self.expiry_s]:
            log.info("dropping the metrics of process %s: no report for %.0fs", wid,
                     self.expiry_s)
            del self._reports[wid]

    def families(self, const_labels: dict) -> list:
        """The merged metrics as prometheus_client families, each series also carrying
        `const_labels` (the node's id)."""
        with self._lock:
            self._expire()
            reports = sorted(self._reports.values(), key=lambda r: r[0])  # oldest first
        merged: dict = {}  # name -> {"meta": metric dict, "series": {tags: value}}
        for _, pid, metrics in reports:
            for m in metrics:
                have = merged.get(m["name"])
                if have is None:
                    have = merged[m["name"]] = {"meta": m, "series": {}}
                meta = have["meta"]
                if (meta["type"], list(meta.get("tag_keys") or ()), meta.get("boundaries")) != \
                        (m["type"], list(m.get("tag_keys") or ()), m.get("boundaries")):
                    log.warning("process %s defines metric %r differently from another "
                                "process (%s vs %s); its series are left out", pid, m["name"],
                                m["type"], meta["type"])
                    continue
                for s in m["series"]:
                    key = tuple(s["tags"])
                    if m["type"] == "gauge":
                        have["series"][key] = float(s["value"])  # later reports win
                    elif m["type"] == "counter":
                        have["series"][key] = have["series"].get(key, 0.0) + float(s["value"])
                    else:
                        old = have["series"].get(key)
                        new = [*map(int, s["buckets"]), float(s["sum"])]
                        have["series"][key] = new if old is None else [a + b for a, b in
                                                                       zip(old, new)]
        out = []
        extra_keys, extra_values = list(const_labels), list(const_labels.values())
        for name, have in sorted(merged.items()):
            meta = have["meta"]
            keys = list(meta.get("tag_keys") or ()) + extra_keys
            doc = meta.get("description") or name
            if meta["type"] == "counter":
                fam = CounterMetricFamily(name, doc, labels=keys)
                for tags, v in have["series"].items():
                    fam.add_metric([*tags, *extra_values], v)
            elif meta["type"] == "gauge":
                fam = GaugeMetricFamily(name, doc, labels=keys)
                for tags, v in have["series"].items():
                    fam.add_metric([*tags, *extra_values], v)
            else:
                fam = HistogramMetricFamily(name, doc, labels=keys)
                bounds = [*map(float, meta["boundaries"]), float("inf")]
                for tags, h in have["series"].items():
                    cumulative, buckets = 0, []
                    for b, c in zip(bounds, h[:-1]):
                        cumulative += c
                        buckets.append(("+Inf" if b == float("inf") else repr(b), cumulative))
                    fam.add_metric([*tags, *extra_values], buckets, h[-1])
            out.append(fam)
        return out
