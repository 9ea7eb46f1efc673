"""Reports this process's user metrics (colony.util.metrics) to its node's metrics agent
(colony.metrics_agent). Imported by every driver and worker (colony._private.worker); its
thread starts with the process's first metric, so processes without metrics run nothing.

Each report is the process's whole current state (counter totals, last gauge values,
histogram bucket counts), so a lost report costs nothing and the agent simply replaces
what it had from this process. Reports go every COLONY_METRICS_REPORT_INTERVAL_S seconds
(1) while something changed, and at least every 10 s, so the agent knows the process lives.

Where the agent is: a worker reads `$COLONY_SESSION_DIR/metrics_agent.port` (its raylet's
session); a driver looks up its node's agent in the GCS KV (namespace `metrics_agents`).
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import time
import urllib.request

from colony import _core
from colony.util import metrics as metrics_api

log = logging.getLogger("colony.metrics")
KV_NAMESPACE = "metrics_agents"
KEEPALIVE_S = 10.0
_token = os.environ.get("COLONY_CLUSTER_TOKEN", "")
_started = threading.Lock()
_thread: threading.Thread | None = None


def set_token(token: str) -> None:
    """A driver's token (colony._private.worker at init); workers have it in their env."""
    global _token
    _token = token or _token


def _agent_address() -> str | None:
    session = os.environ.get("COLONY_SESSION_DIR")
    if session:  # a worker: its raylet's session folder has the agent's port
        try:
            with open(os.path.join(session, "metrics_agent.port")) as f:
                port = int(f.read().strip())
        except (OSError, ValueError):
            return None
        return f"{os.environ.get('COLONY_NODE_IP', '127.0.0.1')}:{port}"
    if not _core.is_initialized():  # a driver: ask the GCS where its node's agent is
        return None
    value = _core.kv_get(KV_NAMESPACE, _core.context()["node_id"].encode())
    return json.loads(value)["address"] if value else None


def push(metrics: list, address: str, timeout: float = 5.0) -> None:
    """One report to the agent at `address` (HOST:PORT); raises OSError if it failed."""
    ca = os.environ.get("COLONY_TLS_CA")
    context = ssl.create_default_context(cafile=ca) if ca else None
    body = json.dumps({"pid": os.getpid(),
                       "worker_id": os.environ.get("COLONY_WORKER_ID") or f"pid-{os.getpid()}",
                       "job_id": os.environ.get("COLONY_JOB_ID", ""),
                       "metrics": metrics}).encode()
    req = urllib.request.Request(f"{'https' if context else 'http'}://{address}/api/metrics/push",
                                 data=body, method="POST",
                                 headers={"Authorization": f"Bearer {_token}",
                                          "Content-Type": "application/json"})
    handlers = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    with urllib.request.build_opener(*handlers).open(req, timeout=timeout) as resp:
        resp.read()


def _report_loop(reg) -> None:
    interval = float(os.environ.get("COLONY_METRICS_REPORT_INTERVAL_S", "1.0"))
    last, retry_at, address, warned = 0.0, 0.0, None, False
    while True:
        time.sleep(interval)
        now = time.monotonic()
        if now < retry_at or (not reg.changed and now - last < KEEPALIVE_S):
            continue
        try:
            address = address or _agent_address()
            if address is None:  # no agent on this node (a local cluster): ask again later
                retry_at = now + KEEPALIVE_S
                continue
            push(reg.snapshot(), address)
            last, warned = time.monotonic(), False
        except Exception as e:  # noqa: BLE001 - the agent may be restarting; next round
            reg.changed = True
            address = None  # ask again where it is: a restarted agent may listen elsewhere
            if not warned:
                log.warning("could not report metrics to the node's metrics agent: %s", e)
                warned = True


def _start(reg) -> None:
    global _thread
    with _started:
        if _thread is None:
            _thread = threading.Thread(target=_report_loop, args=(reg,), name="colony-metrics",
                                       daemon=True)
            _thread.start()


metrics_api.registry().on_first_metric = _start
if metrics_api.registry().metrics:  # defined before this module was imported
    _start(metrics_api.registry())
