"""`python -m colony.metrics_agent`: a node's metrics agent (docs/observability.md).

Started with the node's processes (by its supervisor under `colony start`, by
colony.cluster_utils.Cluster in tests). It is not a driver: it reads its raylet's
GetNodeStats and the GCS's KV through small direct calls (core_worker/agent_client.*).
It serves Prometheus text at /metrics, takes the reports of the node's processes'
user metrics, and announces its address in the GCS KV (namespace `metrics_agents`, key the
node id), again every 10 s so a restarted GCS or raylet learns it again.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from colony import _core
from colony._private import node as node_mod
from colony.metrics_agent.http_server import MetricsAgentServer
from colony.metrics_agent.node_collector import CpuSampler, NodeCollector, ProcSource
from colony.metrics_agent.worker_reports import WorkerReports

KV_NAMESPACE = "metrics_agents"
ANNOUNCE_PERIOD_S = 10.0
log = logging.getLogger("colony.metrics_agent")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m colony.metrics_agent")
    p.add_argument("--gcs-address", required=True)
    p.add_argument("--node-ip", default="127.0.0.1")
    p.add_argument("--raylet-port-file", required=True,
                   help="the raylet's port file: read again whenever the raylet does not answer")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--port-file", required=True)
    p.add_argument("--session-dir", required=True)
    p.add_argument("--expiry", type=float,
                   default=float(os.environ.get("COLONY_METRICS_EXPIRY_S", "60")),
                   help="seconds after its last report that a process's series are dropped")
    return p


class RayletStats:
    """GetNodeStats of this node's raylet, whose port is read again after a failure (a
    restarted raylet listens elsewhere)."""

    def __init__(self, node_ip: str, port_file: str, token: str):
        self._ip, self._port_file, self._token = node_ip, port_file, token
        self._address = ""

    def __call__(self) -> dict:
        if not self._address:
            with open(self._port_file) as f:
                self._address = f"{self._ip}:{int(f.read().strip())}"
        try:
            return _core.node_stats(self._address, self._token, 5000)
        except Exception:
            self._address = ""
            raise


def _announce(gcs_address: str, token: str, node_id: str, value: str) -> None:
    """KvPut at the GCS; with standby heads (HOST:PORT,HOST:PORT,...) at the first that takes
    it (only the leader serves)."""
    errors = []
    for address in [a.strip() for a in gcs_address.split(",") if a.strip()]:
        try:
            _core.agent_kv_put(address, token, KV_NAMESPACE, node_id.encode(), value.encode(),
                               5000)
            return
        except Exception as e:  # noqa: BLE001 - try the next head
            errors.append(str(e))
    raise ConnectionError("; ".join(errors) or f"no GCS address in {gcs_address!r}")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = os.environ.get("COLONY_CLUSTER_TOKEN", "")
    tls = None
    if os.environ.get("COLONY_TLS_CERT") and os.environ.get("COLONY_TLS_KEY"):
        tls = {"cert": os.environ["COLONY_TLS_CERT"], "key": os.environ["COLONY_TLS_KEY"]}
    proc = ProcSource()
    cpu = CpuSampler(proc).start()
    collector = NodeCollector(RayletStats(args.node_ip, args.raylet_port_file, token), proc, cpu)
    reports = WorkerReports(expiry_s=args.expiry)
    try:
        server = MetricsAgentServer((args.node_ip, args.port), token, collector.families,
                                    lambda: collector.node_id, reports, tls)
    except OSError as e:
        print(f"colony metrics agent: cannot listen on {args.node_ip}:{args.port}: {e.strerror}",
              file=sys.stderr)
        return 1
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    address = f"{args.node_ip}:{server.server_address[1]}"
    # Serving from here on: whoever waits on the port file (colony start, Cluster.add_node)
    # goes on at once; drivers find the agent in the KV a moment later.
    node_mod.write_private_file(args.port_file, str(server.server_address[1]).encode())

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    announced = ""
    while not stopping.is_set():
        collector.collect_stats()  # learns the node id (it changes if the raylet restarts)
        if collector.node_id:
            value = json.dumps({"address": address, "node_id": collector.node_id,
                                "node_ip": args.node_ip, "scheme": "https" if tls else "http"})
            try:
                _announce(args.gcs_address, token, collector.node_id, value)
                if announced != collector.node_id:
                    log.info("metrics of node %s at %s/metrics", collector.node_id, address)
                announced = collector.node_id
            except Exception as e:  # noqa: BLE001 - the GCS may be restarting; next round
                log.warning("could not announce this agent in the GCS: %s", e)
        stopping.wait(ANNOUNCE_PERIOD_S if announced else 0.5)
    cpu.stop()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
