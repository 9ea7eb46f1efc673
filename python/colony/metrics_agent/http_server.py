"""The agent's HTTP server: Prometheus text at GET /metrics, and the local processes'
reports at POST /api/metrics/push. Token-checked like every Colony server
(`Authorization: Bearer <token>`, constant-time compare; Prometheus sends it from the
scrape config's `authorization` block); HTTPS with the node certificate on a TLS cluster."""

from __future__ import annotations

import hmac
import json
import logging
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from colony.metrics_agent.worker_reports import ReportError, WorkerReports

MAX_REPORT_BYTES = 8 << 20
log = logging.getLogger("colony.metrics_agent")


class _Collector:
    def __init__(self, families):
        self._families = families

    def collect(self):
        return self._families()


class MetricsAgentServer(ThreadingHTTPServer):
    daemon_threads = True
    # A restarted agent takes its old port back at once (the scrape config names it), even
    # with connections of the dead one in TIME_WAIT; Linux still refuses a live listener.
    allow_reuse_address = True

    def __init__(self, address: tuple, token: str, node_families, node_id, reports: WorkerReports,
                 tls: dict | None = None):
        """`node_families()`: the built-in families; `node_id()`: the node's id (hex), on
        every series; `reports`: the processes' metrics."""
        super().__init__(address, _Handler)
        self.token = token.encode()
        self.reports = reports
        self.registry = CollectorRegistry(auto_describe=False)
        self.node_families = node_families
        self.node_id = node_id
        self.registry.register(_Collector(self._families))
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls["cert"], tls["key"])
            self.socket = ctx.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def _families(self):
        node = self.node_families()  # first: it learns the node id from the raylet
        return [*node, *self.reports.families({"node_id": self.node_id()})]


class _Handler(BaseHTTPRequestHandler):
    server: MetricsAgentServer
    protocol_version = "HTTP/1.1"
    server_version = "colony-metrics-agent"
    timeout = 60

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    def _send(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _authorized(self) -> bool:
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                              self.server.token):
            return True
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_REPORT_BYTES:
            self.rfile.read(length)
        else:
            self.close_connection = True
        self._error(401, "missing or wrong cluster token (send 'Authorization: Bearer <token>')")
        return False

    def do_GET(self):
        if not self._authorized():
            return
        if self.path.split("?")[0] != "/metrics":
            self._error(404, f"no route GET {self.path} (try /metrics)")
            return
        try:
            self._send(200, generate_latest(self.server.registry), CONTENT_TYPE_LATEST)
        except Exception as e:  # a bug must not kill the server; the scraper learns of it
            log.exception("error collecting metrics")
            self._error(500, f"internal error: {type(e).__name__}: {e}")

    def do_POST(self):
        if not self._authorized():
            return
        if self.path != "/api/metrics/push":
            self._error(404, f"no route POST {self.path}")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_REPORT_BYTES:
            self.close_connection = True
            self._error(413 if length > 0 else 400,
                        f"a report needs a body of 1 to {MAX_REPORT_BYTES} bytes, got {length}")
            return
        try:
            self.server.reports.add(json.loads(self.rfile.read(length)))
        except ValueError as e:  # bad JSON or a ReportError
            self._error(400, f"report refused: {e}")
            return
        self._send(200, b"{}", "application/json")
