"""`python -m colony.dashboard`: the head's web process (started by `colony start --head`).

It connects to the GCS as a driver of its own (namespace `_colony_dashboard`): the job
records and uploaded packages live in the GCS KV, reached through the C++ core like every
other Python-side RPC. It serves the job API and runs submitted drivers on this node. On
SIGTERM it stops the jobs it runs, then exits.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import ssl
import sys
import threading

import colony
from colony import _core
from colony._private import node as node_mod
from colony.dashboard.http_server import JobApiServer
from colony.dashboard.job_agent import JobAgent
from colony.dashboard.job_manager import JobManager
from colony.dashboard.kv_store import GcsKeyValueStore
from colony.dashboard.packages import PackageStore
from colony.dashboard.cluster_metrics import (AgentDirectory, ClusterMetrics, MetricsHistory,
                                              Sampler)
from colony.dashboard.cluster_state import ClusterState
from colony.dashboard.scrape_targets import ScrapeTargets, cluster_families
from colony.dashboard.ui_routes import DashboardUi

DEFAULT_PORT = 8265
NAMESPACE = "_colony_dashboard"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m colony.dashboard")
    p.add_argument("--gcs-address", required=True)
    p.add_argument("--node-ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--port-fallback", action="store_true",
                   help="if --port is taken, listen on any free port instead of failing")
    p.add_argument("--port-file", required=True)
    p.add_argument("--session-dir", required=True)
    p.add_argument("--stop-grace", type=float, default=5.0,
                   help="seconds a stopped job's driver gets between SIGTERM and SIGKILL")
    p.add_argument("--sample-period", type=float,
                   default=float(os.environ.get("COLONY_DASHBOARD_SAMPLE_S", "10")),
                   help="seconds between the samples of the cluster's metrics kept for the "
                        "charts (an hour of them)")
    return p


def _bind(args, token, jobs, packages, tls, ui) -> JobApiServer:
    try:
        return JobApiServer((args.node_ip, args.port), token, jobs, packages, tls, ui)
    except OSError as e:
        if e.errno != errno.EADDRINUSE or not args.port_fallback:
            raise RuntimeError(f"the dashboard cannot listen on {args.node_ip}:{args.port}: "
                               f"{e.strerror} (choose another with --dashboard-port)") from None
        logging.warning("port %d is taken; listening on a free port instead", args.port)
        return JobApiServer((args.node_ip, 0), token, jobs, packages, tls, ui)


def main(argv=None) -> int:
    try:
        return _serve(_parser().parse_args(argv))
    except (RuntimeError, ConnectionError) as e:  # said once, plainly, for `colony start`
        print(f"colony dashboard: {e}", file=sys.stderr)
        return 1


def _serve(args) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = os.environ.get("COLONY_CLUSTER_TOKEN", "")
    tls = None
    if os.environ.get("COLONY_TLS_CERT") and os.environ.get("COLONY_TLS_KEY"):
        tls = {"cert": os.environ["COLONY_TLS_CERT"], "key": os.environ["COLONY_TLS_KEY"]}

    # No workers of its own, so no worker output to print (log_to_driver).
    colony.init(address=args.gcs_address, namespace=NAMESPACE, _node_ip=args.node_ip,
                log_to_driver=False)
    store = GcsKeyValueStore()
    packages = PackageStore(store, os.path.join(args.session_dir, "runtime_resources",
                                                "working_dir"))
    driver_env = dict(os.environ, COLONY_ADDRESS=args.gcs_address)
    agent = JobAgent(os.path.join(args.session_dir, "logs"), packages, driver_env,
                     default_cwd=os.getcwd(), stop_grace_s=args.stop_grace)
    jobs = JobManager(store, agent)
    state = ClusterState(jobs, token)
    ca = os.environ.get("COLONY_TLS_CA")
    metrics = ClusterMetrics(AgentDirectory(_core.kv_keys, _core.kv_get, _core.nodes), token,
                             lambda: cluster_families(state),
                             ssl.create_default_context(cafile=ca) if ca else None)
    history = MetricsHistory(max_points=max(1, int(3600 / max(args.sample_period, 0.1))))
    targets = ScrapeTargets(args.session_dir, token, ca)
    sampler = Sampler(metrics, history, args.sample_period, targets.update).start()
    server = _bind(args, token, jobs, packages, tls, DashboardUi(state, metrics, history))

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    serving = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    serving.start()
    node_mod.write_private_file(args.port_file, str(server.server_address[1]).encode())
    logging.info("job API listening on %s:%d", args.node_ip, server.server_address[1])
    while not stopping.wait(1.0):
        pass
    logging.info("stopping: ending the jobs this node runs")
    agent.stop_all()
    sampler.stop()
    server.shutdown()
    colony.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
