"""The whole cluster's metrics, for the dashboard's /metrics and its charts.

- `AgentDirectory`: where each live node's metrics agent listens (the agents announce
  themselves in the GCS KV, namespace `metrics_agents`).
- `ClusterMetrics`: scrapes every agent (in parallel, each with a timeout), merges their
  families (every series already carries its node_id) and adds the dashboard's own
  cluster-wide ones (`cluster_families`, e.g. actors by state from the GCS).
- `MetricsHistory`: a bounded in-memory history of the merged samples for the charts
  (default: one point every 10 s for an hour, at most 2000 series).
- `Sampler`: the dashboard's thread that, every period, scrapes, records the history and
  keeps the Prometheus scrape config's target list in step with the nodes.
"""

from __future__ import annotations

import collections
import json
import logging
import ssl
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger("colony.dashboard")
KV_NAMESPACE = "metrics_agents"


class AgentDirectory:
    """{node id: agent record} of the alive nodes' agents. `kv_keys`, `kv_get` and `nodes`
    are the GCS seams (colony._core's in the dashboard; fakes in unit tests)."""

    def __init__(self, kv_keys: Callable, kv_get: Callable, nodes: Callable):
        self._kv_keys, self._kv_get, self._nodes = kv_keys, kv_get, nodes

    def agents(self) -> dict:
        alive = {n["NodeID"] for n in self._nodes() if n["Alive"]}
        out = {}
        for key in self._kv_keys(KV_NAMESPACE, b""):
            node_id = key.decode()
            if node_id not in alive:
                continue
            value = self._kv_get(KV_NAMESPACE, key)
            if value:
                try:
                    out[node_id] = json.loads(value)
                except ValueError:
                    log.warning("bad metrics agent record for node %s: %r", node_id, value)
        return out


class _Collector:
    def __init__(self, families):
        self._families = families

    def collect(self):
        return self._families


def merge_texts(texts: list) -> list:
    """Prometheus text of several agents -> one list of families (same-named families
    joined; a family whose type disagrees with the first seen is left out)."""
    merged: dict = {}
    for text in texts:
        for fam in text_string_to_metric_families(text):
            have = merged.get(fam.name)
            if have is None:
                merged[fam.name] = fam
            elif have.type == fam.type:
                have.samples.extend(fam.samples)
            else:
                log.warning("metric %s is a %s on one node and a %s on another; dropping the "
                            "latter", fam.name, have.type, fam.type)
    return list(merged.values())


def render(families: list) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(families))
    return generate_latest(registry)


class ClusterMetrics:
    def __init__(self, directory: AgentDirectory, token: str,
                 cluster_families: Callable[[], list] = lambda: [],
                 ssl_context: ssl.SSLContext | None = None, timeout_s: float = 5.0):
        self.directory = directory
        self._token, self._ssl, self._timeout = token, ssl_context, timeout_s
        self._cluster_families = cluster_families
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="scrape")

    def _fetch(self, record: dict) -> str:
        scheme = record.get("scheme", "http")
        req = urllib.request.Request(f"{scheme}://{record['address']}/metrics",
                                     headers={"Authorization": f"Bearer {self._token}"})
        handlers = [urllib.request.ProxyHandler({})]
        if self._ssl is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self._ssl))
        with urllib.request.build_opener(*handlers).open(req, timeout=self._timeout) as resp:
            return resp.read().decode()

    def scrape(self) -> tuple:
        """(merged families, {node id: agent record}); an agent that does not answer is
        reported as colony_metrics_agent_up 0."""
        from prometheus_client.core import GaugeMetricFamily
        agents = self.directory.agents()
        futures = {nid: self._pool.submit(self._fetch, rec) for nid, rec in agents.items()}
        texts = []
        up = GaugeMetricFamily("colony_metrics_agent_up",
                               "1 if the node's metrics agent answered the dashboard's scrape",
                               labels=["node_id"])
        for nid, fut in futures.items():
            try:
                texts.append(fut.result())
                up.add_metric([nid], 1)
            except Exception as e:  # noqa: BLE001 - one node's agent down must not hide the rest
                log.warning("scraping the metrics agent of node %s: %s", nid[:8], e)
                up.add_metric([nid], 0)
        families = merge_texts(texts)
        families.append(up)
        try:
            families.extend(self._cluster_families())
        except Exception as e:  # noqa: BLE001 - the GCS may be restarting
            log.warning("cluster metrics from the GCS: %s", e)
        return families, agents

    def text(self) -> bytes:
        return render(self.scrape()[0])


def _series_key(sample) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}}"


class MetricsHistory:
    """Samples over time, per series; bounded in points per series and in series."""

    def __init__(self, max_points: int = 360, max_series: int = 2000):
        self.max_points, self.max_series = max_points, max_series
        self._lock = threading.Lock()
        self._series: dict = {}  # key -> (name, labels, deque[(t, v)])
        self._docs: dict = {}    # sample name -> (type, help)

    def record(self, families: list, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            for fam in families:
                if fam.type == "histogram":
                    # Charts show a histogram's rate of observations and mean; not its buckets.
                    samples = [s for s in fam.samples if s.name.endswith(("_count", "_sum"))]
                else:
                    samples = fam.samples
                for s in samples:
                    self._docs.setdefault(s.name, (fam.type, fam.documentation))
                    key = _series_key(s)
                    entry = self._series.get(key)
                    if entry is None:
                        if len(self._series) >= self.max_series:
                            continue  # bounded: new series beyond the cap are not kept
                        entry = self._series[key] = (s.name, dict(s.labels),
                                                     collections.deque(maxlen=self.max_points))
                    entry[2].append((now, float(s.value)))

    def names(self) -> list:
        with self._lock:
            return [{"name": n, "type": t, "help": h} for n, (t, h) in sorted(self._docs.items())]

    def query(self, name: str, since: float = 0.0) -> list:
        """[{"labels", "points": [[t, v], ...]}] of every series of sample `name`."""
        with self._lock:
            return [{"labels": labels, "points": [[t, v] for t, v in pts if t >= since]}
                    for n, labels, pts in self._series.values() if n == name]


class Sampler:
    """Every `period_s`: scrape the cluster, record the history, update the scrape config."""

    def __init__(self, metrics: ClusterMetrics, history: MetricsHistory, period_s: float,
                 on_agents: Callable[[dict], None] = lambda agents: None):
        self.metrics, self.history, self.period_s = metrics, history, period_s
        self._on_agents = on_agents
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample_once(self) -> None:
        families, agents = self.metrics.scrape()
        self.history.record(families)
        self._on_agents(agents)

    def start(self) -> "Sampler":
        def loop():
            while True:
                try:
                    self.sample_once()
                except Exception:  # noqa: BLE001 - the next round may do better
                    log.exception("sampling the cluster's metrics")
                if self._stop.wait(self.period_s):
                    return
        self._thread = threading.Thread(target=loop, name="metrics-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
