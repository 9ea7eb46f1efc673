"""The dashboard's web pages and the JSON they read (docs/observability.md, "Dashboard").

The pages are one static page (ui/index.html, app.js, style.css: plain JavaScript, inline
SVG charts, nothing fetched from outside the head) that reads:

    GET /metrics                              the whole cluster's Prometheus text
    GET /api/cluster/overview                 nodes with resources and usage, counts
    GET /api/cluster/jobs | actors | tasks    tables
    GET /api/cluster/logs                     every live node's log files
    GET /api/cluster/logs/<node>/<file>?tail=BYTES   the end of one file
    GET /api/cluster/metrics/names            what the history holds
    GET /api/cluster/metrics/history?name=N&since=T  its series over the last hour

A browser logs in once with /?token=<cluster token>: the server answers with an HttpOnly,
SameSite=Strict cookie holding the token and checks it like the Authorization header.
"""

from __future__ import annotations

import os
import time

from colony.dashboard.cluster_metrics import ClusterMetrics, MetricsHistory, render
from colony.dashboard.cluster_state import ClusterState

UI_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui")
STATIC = {"app.js": "application/javascript", "style.css": "text/css"}
USAGE_SERIES = {"colony_node_cpu_utilization": "cpu_utilization",
                "colony_node_memory_used_bytes": "memory_used",
                "colony_node_memory_total_bytes": "memory_total",
                "colony_object_store_used_bytes": "object_store_used",
                "colony_object_store_capacity_bytes": "object_store_capacity"}


class DashboardUi:
    """What the pages need: the cluster's state, its metrics and their history."""

    def __init__(self, state: ClusterState, metrics: ClusterMetrics, history: MetricsHistory):
        self.state, self.metrics, self.history = state, metrics, history

    def overview(self) -> dict:
        nodes = self.state.nodes()
        usage: dict = {}
        for name, field in USAGE_SERIES.items():
            for series in self.history.query(name, since=time.time() - 120):
                node_id = series["labels"].get("node_id")
                if node_id and series["points"]:
                    usage.setdefault(node_id, {})[field] = series["points"][-1][1]
        for n in nodes:
            n["usage"] = usage.get(n["node_id"], {})
        jobs = self.state.jobs()
        actors = self.state.actors()["actors"]
        by = lambda rows, key: {str(r.get(key)): sum(1 for x in rows if x.get(key) == r.get(key))
                                for r in rows}
        return {"nodes": nodes,
                "counts": {"nodes_alive": sum(1 for n in nodes if n["alive"]),
                           "nodes_dead": sum(1 for n in nodes if not n["alive"]),
                           "jobs": by(jobs, "status"), "actors": by(actors, "state")},
                "time": time.time()}


def _ui(handler):
    ui = handler.server.ui
    if ui is None:
        from colony.dashboard.job_manager import JobError
        raise JobError("this server has no dashboard pages (started without a cluster)", 404)
    return ui


def index(handler, query):
    with open(os.path.join(UI_DIR, "index.html"), "rb") as f:
        handler._send(200, f.read(), "text/html; charset=utf-8",
                      {"Cache-Control": "no-store"})


def static(handler, query, name):
    if name not in STATIC:
        handler._error(404, f"no static file {name}")
        return
    with open(os.path.join(UI_DIR, name), "rb") as f:
        handler._send(200, f.read(), STATIC[name] + "; charset=utf-8")


def metrics(handler, query):
    families, _ = _ui(handler).metrics.scrape()
    handler._send(200, render(families), "text/plain; version=0.0.4; charset=utf-8")


def overview(handler, query):
    handler._json(200, _ui(handler).overview())


def jobs(handler, query):
    handler._json(200, _ui(handler).state.jobs())


def actors(handler, query):
    handler._json(200, _ui(handler).state.actors())


def tasks(handler, query):
    handler._json(200, _ui(handler).state.tasks())


def log_files(handler, query):
    handler._json(200, _ui(handler).state.log_files())


def read_log(handler, query, node_id, name):
    from colony.dashboard.job_manager import JobError
    try:
        tail = int(query.get("tail", ["65536"])[0])
    except ValueError:
        raise JobError("tail must be a number of bytes") from None
    try:
        handler._json(200, _ui(handler).state.read_log(node_id, name, tail))
    except ValueError as e:  # an unknown node
        raise JobError(str(e), 404) from None


def metric_names(handler, query):
    handler._json(200, _ui(handler).history.names())


def metric_history(handler, query):
    from colony.dashboard.job_manager import JobError
    name = query.get("name", [""])[0]
    if not name:
        raise JobError("name= is required (GET /api/cluster/metrics/names lists them)")
    try:
        since = float(query.get("since", [str(time.time() - 3600)])[0])
    except ValueError:
        raise JobError("since must be a time in seconds since the epoch") from None
    handler._json(200, {"name": name, "series": _ui(handler).history.query(name, since)})


_NODE = r"([0-9a-f]{1,64}|[0-9.]+)"
_FILE = r"([A-Za-z0-9_.-]{1,255})"
ROUTES = [
    (r"", "GET", index),
    (r"/index\.html", "GET", index),
    (r"/static/([a-z]+\.[a-z]+)", "GET", static),
    (r"/metrics", "GET", metrics),
    (r"/api/cluster/overview", "GET", overview),
    (r"/api/cluster/jobs", "GET", jobs),
    (r"/api/cluster/actors", "GET", actors),
    (r"/api/cluster/tasks", "GET", tasks),
    (r"/api/cluster/logs", "GET", log_files),
    (rf"/api/cluster/logs/{_NODE}/{_FILE}", "GET", read_log),
    (r"/api/cluster/metrics/names", "GET", metric_names),
    (r"/api/cluster/metrics/history", "GET", metric_history),
]
