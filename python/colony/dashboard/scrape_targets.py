"""Keeps the head's Prometheus scrape config (colony._private.prometheus_config) listing the
metrics agents of the cluster's live nodes, and turns GCS state into cluster-wide metrics
(nodes, actors, submitted jobs, tasks by state) for the dashboard's /metrics."""

from __future__ import annotations

import logging
import os

from prometheus_client.core import GaugeMetricFamily

from colony._private import prometheus_config

log = logging.getLogger("colony.dashboard")


class ScrapeTargets:
    def __init__(self, session_dir: str, token: str, tls_ca: str | None):
        self._session, self._token, self._ca = session_dir, token, tls_ca

    def update(self, agents: dict) -> None:
        """`agents`: {node id: {"address", ...}} of the live nodes; rewrites the targets only
        when they changed (`colony start` may have written the first list)."""
        targets = sorted(a["address"] for a in agents.values())
        config = os.path.join(prometheus_config.folder(self._session), "prometheus.yml")
        if not os.path.exists(config):
            prometheus_config.write(self._session, targets, self._token, self._ca)
            log.info("wrote the Prometheus scrape config %s", config)
        elif sorted(prometheus_config.read_targets(self._session)) != targets:
            prometheus_config.write_targets(self._session, targets)
            log.info("scrape targets now: %s", ", ".join(targets) or "none")


def _count(rows: list, key: str) -> dict:
    out: dict = {}
    for r in rows:
        out[str(r.get(key))] = out.get(str(r.get(key)), 0) + 1
    return out


def cluster_families(state) -> list:
    """What only the GCS knows, as gauges (no node_id: they are the cluster's)."""
    out = []
    nodes = state.nodes()
    fam = GaugeMetricFamily("colony_cluster_nodes", "nodes of the cluster by state",
                            labels=["state"])
    fam.add_metric(["alive"], sum(1 for n in nodes if n["alive"]))
    fam.add_metric(["dead"], sum(1 for n in nodes if not n["alive"]))
    out.append(fam)
    actors = state.actors()
    fam = GaugeMetricFamily("colony_actors", "actors by state (from the GCS; "
                            + ("all actors" if actors["source"] == "state"
                               else "named actors only") + ")", labels=["state"])
    for s, n in sorted(_count(actors["actors"], "state").items()):
        fam.add_metric([s], n)
    out.append(fam)
    fam = GaugeMetricFamily("colony_submitted_jobs", "submitted jobs by status",
                            labels=["status"])
    for s, n in sorted(_count([j for j in state.jobs() if j.get("kind") == "submitted"],
                              "status").items()):
        fam.add_metric([s], n)
    out.append(fam)
    tasks = state.tasks()
    if tasks["source"]:
        fam = GaugeMetricFamily("colony_tasks", "task records kept by the GCS, by state",
                                labels=["state"])
        for s, n in sorted(tasks["counts"].items()):
            fam.add_metric([s], n)
        out.append(fam)
    return out
