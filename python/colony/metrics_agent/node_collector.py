"""The node's built-in metrics: what its raylet says (GetNodeStats: workers, leases,
resources, object store) and what /proc says (CPU and memory of the whole machine).

Both sources sit behind small seams (`stats`: a callable returning the raylet's reply as a
dict; `ProcSource`) so unit tests feed fakes.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Callable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger("colony.metrics_agent")


class ProcSource:
    """The machine's CPU time counters and memory, from /proc."""

    def cpu_times(self) -> tuple:
        """(busy jiffies, total jiffies) since boot, summed over CPUs."""
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def cpu_count(self) -> int:
        import os
        return os.cpu_count() or 1

    def memory(self) -> tuple:
        """(total bytes, available bytes)."""
        info = {}
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                info[key] = int(rest.split()[0]) * 1024
        return info["MemTotal"], info.get("MemAvailable", info.get("MemFree", 0))


class CpuSampler:
    """Machine CPU utilisation (0..1) over the last window, sampled by a daemon thread so a
    scrape never waits for a window to pass."""

    def __init__(self, proc: ProcSource, period_s: float = 1.0):
        self._proc, self._period = proc, period_s
        self._last = proc.cpu_times()
        self.utilization = 0.0
        self._stop = threading.Event()

    def sample(self) -> None:
        busy, total = self._proc.cpu_times()
        d_busy, d_total = busy - self._last[0], total - self._last[1]
        if d_total > 0:
            self.utilization = min(1.0, max(0.0, d_busy / d_total))
        self._last = (busy, total)

    def start(self) -> "CpuSampler":
        def loop():
            while not self._stop.wait(self._period):
                try:
                    self.sample()
                except OSError as e:
                    log.warning("reading /proc/stat: %s", e)
        threading.Thread(target=loop, name="cpu-sampler", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()


def _num(d: dict, key: str) -> float:
    return float(d.get(key) or 0)  # protobuf's JSON writes 64-bit integers as strings


class NodeCollector:
    def __init__(self, stats: Callable[[], dict], proc: ProcSource, cpu: CpuSampler):
        self._stats, self._proc, self._cpu = stats, proc, cpu
        self.node_id = ""  # learnt from the raylet; labels every series

    def collect_stats(self) -> tuple:
        """(raylet reply or None, seconds the call took)."""
        start = time.monotonic()
        try:
            reply = self._stats()
        except Exception as e:  # noqa: BLE001 - the raylet may be restarting: raylet_up 0
            log.warning("GetNodeStats failed: %s", e)
            return None, time.monotonic() - start
        if reply.get("nodeId"):
            self.node_id = base64.b64decode(reply["nodeId"]).hex()
        return reply, time.monotonic() - start

    def families(self) -> list:
        reply, took = self.collect_stats()
        node = {"node_id": self.node_id}
        out = []

        def gauge(name, doc, value, **labels):
            fam = GaugeMetricFamily(name, doc, labels=[*node, *labels])
            fam.add_metric([*node.values(), *labels.values()], value)
            out.append(fam)

        gauge("colony_raylet_up", "1 if the node's raylet answered the agent", 1 if reply else 0)
        gauge("colony_raylet_stats_rpc_seconds",
              "how long the raylet took to answer GetNodeStats (its event loop's latency)", took)
        if reply:
            fam = GaugeMetricFamily("colony_workers", "worker processes of the node by state",
                                    labels=[*node, "state"])
            idle, leased = _num(reply, "numIdleWorkers"), _num(reply, "numLeasedWorkers")
            for state, v in (("idle", idle), ("leased", leased),
                             ("starting", _num(reply, "numStartingWorkers")),
                             ("registered", _num(reply, "numWorkers"))):
                fam.add_metric([*node.values(), state], v)
            out.append(fam)
            gauge("colony_drivers", "drivers connected to the node's raylet",
                  _num(reply, "numDrivers"))
            fam = GaugeMetricFamily("colony_leases", "worker leases of the node by state",
                                    labels=[*node, "state"])
            for state, key in (("queued", "numQueuedLeases"),
                               ("waiting_for_worker", "numLeasesWaitingForWorker"),
                               ("granted", "numGrantedLeases")):
                fam.add_metric([*node.values(), state], _num(reply, key))
            out.append(fam)
            for which, key in (("total", "resourcesTotal"), ("available", "resourcesAvailable")):
                fam = GaugeMetricFamily(f"colony_resources_{which}",
                                        f"the node's {which} resources", labels=[*node, "resource"])
                for res, v in sorted((reply.get(key) or {}).items()):
                    fam.add_metric([*node.values(), res], float(v))
                out.append(fam)
            store = reply.get("objectStore") or {}
            for name, key, doc in (
                    ("capacity_bytes", "capacityBytes", "bytes of the shared-memory store"),
                    ("used_bytes", "usedBytes", "bytes allocated to objects in memory"),
                    ("objects", "numObjects", "objects in the store, in memory or spilled"),
                    ("spilled_objects", "numSpilled", "objects now on disk only"),
                    ("spilled_bytes", "spilledBytes", "bytes of the objects on disk only"),
                    ("clients", "numClients", "processes connected to the store")):
                gauge(f"colony_object_store_{name}", doc, _num(store, key))
            for name, key in (("spilled", "totalSpilled"), ("restored", "totalRestored"),
                              ("evicted", "totalEvicted")):
                fam = CounterMetricFamily(f"colony_object_store_{name}",
                                          f"objects {name} since the store started",
                                          labels=list(node))
                fam.add_metric(list(node.values()), _num(store, key))
                out.append(fam)
        gauge("colony_node_cpu_count", "CPUs of the machine", self._proc.cpu_count())
        gauge("colony_node_cpu_utilization", "the machine's CPU use, 0 to 1, over the last second",
              self._cpu.utilization)
        try:
            total, available = self._proc.memory()
            gauge("colony_node_memory_total_bytes", "the machine's memory", total)
            gauge("colony_node_memory_available_bytes", "memory available to new work",
                  available)
            gauge("colony_node_memory_used_bytes", "memory in use (total - available)",
                  total - available)
        except (OSError, KeyError, ValueError) as e:
            log.warning("reading /proc/meminfo: %s", e)
        return out
