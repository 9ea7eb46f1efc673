"""The job API over HTTP (JSON), token-checked like every Colony server.

Every request carries the cluster token (`Authorization: Bearer <token>`), compared in
constant time (hmac.compare_digest); a request without it gets 401 and nothing else. With
a TLS cluster the server speaks HTTPS with the node's certificate. Routes:

    GET    /api/version
    HEAD   /api/packages/<sha256>          200 if uploaded, 404 if not
    PUT    /api/packages/<sha256>          body: the zip (checked against its name)
    POST   /api/jobs/                      {"entrypoint", "submission_id"?, "runtime_env"?,
                                            "metadata"?} -> {"submission_id"}
    GET    /api/jobs/                      [job, ...]
    GET    /api/jobs/<id>                  job
    POST   /api/jobs/<id>/stop             {"stopped": bool}
    DELETE /api/jobs/<id>                  {"deleted": true}
    GET    /api/jobs/<id>/logs?offset=N&wait=S   the driver's output from byte N; headers
                                            X-Colony-Next-Offset and X-Colony-Job-Status

and the dashboard's pages, /metrics and their JSON (colony/dashboard/ui_routes.py). A
browser, which cannot send the header, logs in once at /?token=<token>: the answer sets an
HttpOnly cookie holding the token, checked the same way.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import ssl
import urllib.parse
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from colony._private import runtime_env
from colony.dashboard.job_manager import JobError, JobManager
from colony.dashboard.packages import PackageStore
from colony.dashboard import ui_routes

API_VERSION = "1"
COOKIE = "colony_token"
_LOGIN_PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>Colony dashboard</title>
</head><body><h1>Colony dashboard</h1><p id="login-needed">This page needs the cluster token.
Open <code>/?token=&lt;token&gt;</code> once (<code>colony token</code> on the head prints it);
the browser then keeps it in a cookie for this server.</p></body></html>"""
MAX_JSON_BODY = 1 << 20
log = logging.getLogger("colony.dashboard")


class JobApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a second dashboard on a busy port must fail, not share it

    def __init__(self, address: tuple, token: str, jobs: JobManager, packages: PackageStore,
                 tls: dict | None = None, ui: "ui_routes.DashboardUi | None" = None):
        super().__init__(address, _Handler)
        self.token = token.encode()
        self.jobs = jobs
        self.packages = packages
        self.ui = ui  # the pages and /metrics (None: the job API alone)
        self.tls = bool(tls)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls["cert"], tls["key"])
            # The handshake happens on the request's own thread, not in the accept loop.
            self.socket = ctx.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)


class _Handler(BaseHTTPRequestHandler):
    server: JobApiServer
    protocol_version = "HTTP/1.1"
    server_version = "colony-dashboard"
    timeout = 120  # seconds a silent client may hold its connection (and thread)

    def log_message(self, fmt, *args):  # to the dashboard's log, not stderr
        log.debug("%s %s", self.address_string(), fmt % args)

    # ------------------------------------------------------------------ plumbing

    def _token_matches(self, value: str) -> bool:
        return hmac.compare_digest(value.strip().encode(), self.server.token)

    def _cookie_token(self) -> str | None:
        try:
            morsel = SimpleCookie(self.headers.get("Cookie", "")).get(COOKIE)
        except CookieError:
            return None
        return morsel.value if morsel is not None else None

    def _authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        ok = scheme.lower() == "bearer" and self._token_matches(value)
        if not ok and not given:
            cookie = self._cookie_token()
            ok = cookie is not None and self._token_matches(cookie)
        if not ok:
            self._drain()
            if "text/html" in self.headers.get("Accept", ""):
                self._send(401, _LOGIN_PAGE, "text/html; charset=utf-8")
            else:
                self._json(401, {"error": "missing or wrong cluster token (send "
                                          "'Authorization: Bearer <token>')"})
        return ok

    def _login(self, url) -> bool:
        """GET /?token=T with the right token: sets the cookie and sends the browser to /
        (so the token leaves the address bar and history)."""
        given = urllib.parse.parse_qs(url.query).get("token")
        if self.command != "GET" or url.path not in ("", "/") or not given:
            return False
        if not self._token_matches(given[0]):
            self._send(401, _LOGIN_PAGE, "text/html; charset=utf-8")
            return True
        secure = "; Secure" if self.server.tls else ""
        self._send(303, b"", "text/plain",
                   {"Location": "/", "Set-Cookie": f"{COOKIE}={given[0].strip()}; Path=/; "
                                                   f"HttpOnly; SameSite=Strict{secure}"})
        return True

    def _drain(self) -> None:
        length = self._length()
        if 0 < length <= MAX_JSON_BODY:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _length(self) -> int:
        try:
            return max(0, int(self.headers.get("Content-Length", "0")))
        except ValueError:
            return 0

    def _json(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self._send(status, data, "application/json", headers)

    def _send(self, status: int, data: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _body_json(self):
        length = self._length()
        if length > MAX_JSON_BODY:
            self.close_connection = True
            raise JobError(f"request body of {length} bytes is over the {MAX_JSON_BODY} limit",
                           413)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError as e:
            raise JobError(f"request body is not valid JSON: {e}") from None

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        if self._login(url) or not self._authorized():
            return
        query = urllib.parse.parse_qs(url.query)
        path = url.path.rstrip("/")
        try:
            for pattern, verb, handler in _ROUTES:
                m = re.fullmatch(pattern, path)
                if m and verb == method:
                    handler(self, query, *m.groups())
                    return
            self._drain()
            known = any(re.fullmatch(p, path) for p, _, _ in _ROUTES)
            self._error(405 if known else 404, f"no route {method} {url.path}")
        except JobError as e:
            self._error(e.status, str(e))
        except runtime_env.RuntimeEnvError as e:
            self._error(400, str(e))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug must not kill the server; the client learns of it
            log.exception("error serving %s %s", method, url.path)
            self._error(500, f"internal error: {type(e).__name__}: {e}")

    def do_GET(self):
        self._route("GET")

    def do_HEAD(self):
        self._route("HEAD")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    # ------------------------------------------------------------------ handlers

    def _version(self, query):
        self._json(200, {"version": API_VERSION, "service": "colony-jobs"})

    def _package_exists(self, query, digest):
        self._send(200 if self.server.packages.exists(digest) else 404, b"",
                   "application/octet-stream")

    def _package_put(self, query, digest):
        length = self._length()
        if length > runtime_env.MAX_PACKAGE_BYTES:
            self.close_connection = True
            raise JobError(f"package of {length} bytes is over the "
                           f"{runtime_env.MAX_PACKAGE_BYTES} byte limit", 413)
        data = self.rfile.read(length)
        if len(data) != length:
            raise JobError("package upload ended early")
        self.server.packages.add(digest, data)
        self._json(200, {"uri": runtime_env.package_uri(digest)})

    def _submit(self, query):
        body = self._body_json()
        if not isinstance(body, dict):
            raise JobError("request body must be a JSON object")
        unknown = set(body) - {"entrypoint", "submission_id", "runtime_env", "metadata"}
        if unknown:
            raise JobError(f"unknown field(s) {sorted(unknown)} in the submission")
        sid = self.server.jobs.submit(body.get("entrypoint"), body.get("submission_id"),
                                      body.get("runtime_env"), body.get("metadata"))
        self._json(200, {"submission_id": sid})

    def _list(self, query):
        self._json(200, [j.to_json() for j in self.server.jobs.list()])

    def _get(self, query, sid):
        self._json(200, self.server.jobs.get(sid).to_json())

    def _stop(self, query, sid):
        self._drain()
        self._json(200, {"stopped": self.server.jobs.stop(sid)})

    def _delete(self, query, sid):
        self._json(200, {"deleted": self.server.jobs.delete(sid)})

    def _logs(self, query, sid):
        try:
            offset = int(query.get("offset", ["0"])[0])
            wait = float(query.get("wait", ["0"])[0])
        except ValueError:
            raise JobError("offset must be an integer and wait a number of seconds") from None
        data, next_offset, status = self.server.jobs.logs(sid, offset, wait)
        self._send(200, data, "application/octet-stream",
                   {"X-Colony-Next-Offset": str(next_offset),
                    "X-Colony-Job-Status": status.value})


_ID = r"([A-Za-z0-9][A-Za-z0-9_.-]{0,63})"
_ROUTES = [
    (r"/api/version", "GET", _Handler._version),
    (r"/api/packages/([0-9a-f]{64})", "HEAD", _Handler._package_exists),
    (r"/api/packages/([0-9a-f]{64})", "PUT", _Handler._package_put),
    (r"/api/jobs", "POST", _Handler._submit),
    (r"/api/jobs", "GET", _Handler._list),
    (rf"/api/jobs/{_ID}", "GET", _Handler._get),
    (rf"/api/jobs/{_ID}", "DELETE", _Handler._delete),
    (rf"/api/jobs/{_ID}/stop", "POST", _Handler._stop),
    (rf"/api/jobs/{_ID}/logs", "GET", _Handler._logs),
    *ui_routes.ROUTES,
]
