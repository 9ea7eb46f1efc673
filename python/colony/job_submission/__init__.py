"""Submitting jobs to a cluster from code: `JobSubmissionClient` (as Ray's).

    from colony.job_submission import JobSubmissionClient, JobStatus

    client = JobSubmissionClient()                       # the cluster started here
    sid = client.submit_job(entrypoint="python my_job.py",
                            runtime_env={"working_dir": "./my_project",
                                         "env_vars": {"MODE": "fast"}})
    for chunk in client.tail_job_logs(sid):              # until the job ends
        print(chunk, end="")
    assert client.get_job_status(sid) == JobStatus.SUCCEEDED

The client talks to the job API the head serves (docs/jobs.md). `address`: the API's
`HOST:PORT` (or `http(s)://HOST:PORT`), else $COLONY_DASHBOARD_ADDRESS, else "auto": the
cluster started on this machine (its cluster file). The token comes from `token`, else
$COLONY_CLUSTER_TOKEN, else that cluster file.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from colony._private import node as node_mod
from colony._private import runtime_env as runtime_env_mod
from colony.job_submission.models import JobDetails, JobStatus

__all__ = ["JobSubmissionClient", "JobStatus", "JobDetails", "JobApiError"]
_PAST_ANY_LOG = 1 << 62


def _with_virtual_cluster(runtime_env, virtual_cluster_id, job_cluster_replica_sets):
    """The driver learns its virtual cluster from its environment (colony.init reads it)."""
    if virtual_cluster_id is None:
        if job_cluster_replica_sets:
            raise ValueError("job_cluster_replica_sets needs a virtual_cluster_id")
        return runtime_env
    from colony.job_config import JobConfig
    JobConfig(virtual_cluster_id=virtual_cluster_id,  # checks both values
              job_cluster_replica_sets=job_cluster_replica_sets or {})
    if not virtual_cluster_id:
        raise ValueError("virtual_cluster_id must not be empty")
    env = dict(runtime_env or {})
    env_vars = dict(env.get("env_vars") or {})
    env_vars["COLONY_VIRTUAL_CLUSTER_ID"] = virtual_cluster_id
    if job_cluster_replica_sets:
        env_vars["COLONY_JOB_CLUSTER_REPLICA_SETS"] = json.dumps(job_cluster_replica_sets)
    env["env_vars"] = env_vars
    return env


class JobSubmissionClient:
    def __init__(self, address: str | None = None, token: str | None = None,
                 timeout: float = 60.0, tls_ca: str | None = None):
        """`tls_ca`: the CA file of a TLS cluster (default: the one of the cluster started
        here, else $COLONY_TLS_CA); with one, the client speaks HTTPS."""
        self._base, self._token, self._ssl = _resolve(address, token, tls_ca)
        self._timeout = timeout
        self._request("GET", "/api/version")  # fail now, with a clear message, if unreachable

    @property
    def address(self) -> str:
        return self._base

    # ------------------------------------------------------------------ jobs

    def submit_job(self, *, entrypoint: str, submission_id: str | None = None,
                   runtime_env: dict | None = None, metadata: dict | None = None,
                   virtual_cluster_id: str | None = None,
                   job_cluster_replica_sets: dict | None = None) -> str:
        """Starts `entrypoint` (a shell command line) as a driver on the head; returns the
        submission id. A local `working_dir` is packed and uploaded (once per content).
        `virtual_cluster_id`: the job's tasks and actors run only on that virtual cluster's
        nodes; `job_cluster_replica_sets` ({node_type: count}, a divisible cluster only): the
        job holds that many of its nodes alone (docs/virtual_clusters.md)."""
        runtime_env = _with_virtual_cluster(runtime_env, virtual_cluster_id,
                                            job_cluster_replica_sets)
        env = runtime_env_mod.validate(runtime_env, working_dir_is_uri=False)
        # Local working_dir, py_modules and java_jars: uploaded once per content.
        env = runtime_env_mod.upload_local_paths(env, self._package_exists, self._put_package)
        body = {"entrypoint": entrypoint, "runtime_env": env}
        if submission_id is not None:
            body["submission_id"] = submission_id
        if metadata is not None:
            body["metadata"] = metadata
        return self._request("POST", "/api/jobs/", body)["submission_id"]

    def upload_working_dir(self, path: str) -> str:
        """Packs folder `path`, uploads it unless the cluster has it; returns its URI."""
        digest, data = runtime_env_mod.pack_dir(path)
        if not self._package_exists(digest):
            self._request("PUT", f"/api/packages/{digest}", data,
                          content_type="application/zip")
        return runtime_env_mod.package_uri(digest)

    def _put_package(self, digest: str, data: bytes) -> None:
        self._request("PUT", f"/api/packages/{digest}", data, content_type="application/zip")

    def _package_exists(self, digest: str) -> bool:
        try:
            self._request("HEAD", f"/api/packages/{digest}")
            return True
        except JobApiError as e:
            if e.status == 404:
                return False
            raise

    def get_job_info(self, submission_id: str) -> JobDetails:
        return JobDetails.from_json(self._request("GET", f"/api/jobs/{_quote(submission_id)}"))

    def get_job_status(self, submission_id: str) -> JobStatus:
        return self.get_job_info(submission_id).status

    def list_jobs(self) -> list:
        return [JobDetails.from_json(j) for j in self._request("GET", "/api/jobs/")]

    def stop_job(self, submission_id: str) -> bool:
        """Asks the job to stop (its driver gets SIGTERM, then SIGKILL); True if it was
        running. It is STOPPED once its driver has exited (wait_until_finished)."""
        return self._request("POST", f"/api/jobs/{_quote(submission_id)}/stop")["stopped"]

    def delete_job(self, submission_id: str) -> bool:
        """Forgets a finished job and its log."""
        return self._request("DELETE", f"/api/jobs/{_quote(submission_id)}")["deleted"]

    def get_job_logs(self, submission_id: str) -> str:
        """The driver's output so far."""
        out, offset = [], 0
        while True:
            data, offset, _ = self._logs(submission_id, offset, 0)
            if not data:
                return b"".join(out).decode(errors="replace")
            out.append(data)

    def tail_job_logs(self, submission_id: str):
        """Yields the driver's output as it comes (str chunks), until the job has ended."""
        offset = 0
        while True:
            data, offset, status = self._logs(submission_id, offset, 10.0)
            if data:
                yield data.decode(errors="replace")
            elif status.is_terminal():
                return

    def wait_until_finished(self, submission_id: str, timeout: float | None = None) -> JobStatus:
        """Waits for the job to reach an end state and returns it (TimeoutError after
        `timeout` seconds). Waits on the server's log long poll, no busy loop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 10.0 if deadline is None else min(10.0, deadline - time.monotonic())
            if left <= 0:
                raise TimeoutError(f"job {submission_id} did not finish within {timeout} s")
            # An offset past any log: the long poll then answers only at the job's end (or
            # after `left`), and no output is transferred.
            _, _, status = self._logs(submission_id, _PAST_ANY_LOG, left)
            if status.is_terminal():
                return status

    def _logs(self, submission_id: str, offset: int, wait: float) -> tuple:
        query = urllib.parse.urlencode({"offset": offset, "wait": f"{wait:.3f}"})
        data, headers = self._request("GET", f"/api/jobs/{_quote(submission_id)}/logs?{query}",
                                      raw=True, timeout=self._timeout + wait)
        return (data, int(headers["X-Colony-Next-Offset"]),
                JobStatus(headers["X-Colony-Job-Status"]))

    # ------------------------------------------------------------------ HTTP

    def _request(self, method: str, path: str, body=None, *, raw: bool = False,
                 content_type: str = "application/json", timeout: float | None = None):
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
        req = urllib.request.Request(self._base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self._token}", "Content-Type": content_type})
        try:
            with _opener(self._ssl).open(req, timeout=timeout or self._timeout) as resp:
                payload = resp.read()
                if raw:
                    return payload, resp.headers
                return json.loads(payload) if payload else None
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                message = json.loads(text)["error"]
            except (ValueError, KeyError, TypeError):
                message = text.decode(errors="replace") or e.reason
            raise JobApiError(e.code, message) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ConnectionError(
                f"cannot reach the job API at {self._base}: {reason} (it is served by the "
                f"head's dashboard process, port {node_mod.DEFAULT_DASHBOARD_PORT} by default, "
                "not by the GCS port)") from None


class JobApiError(RuntimeError):
    """The job API refused a request; `status` is its HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _opener(context):
    # Never through an http_proxy from the environment: the API is the cluster's own.
    handlers = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def _resolve(address, token, tls_ca=None) -> tuple:
    """(base URL, token, SSL context or None) of the job API to use."""
    address = address or os.environ.get("COLONY_DASHBOARD_ADDRESS") or "auto"
    info = node_mod.read_cluster_file() or {}
    if address == "auto":
        address = info.get("dashboard_address")
        if not address:
            raise ConnectionError("found no cluster with a job API started on this machine; "
                                  "start one with 'colony start --head' or pass the address "
                                  "of a head's job API (HOST:PORT)")
    if not isinstance(address, str):
        raise TypeError(f"address must be a string, got {type(address).__name__}")
    scheme = "http"
    if "://" in address:
        scheme, _, address = address.partition("://")
        if scheme not in ("http", "https"):
            raise ValueError(f"address scheme must be http or https, got {scheme!r}")
    address = address.rstrip("/")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"address must be HOST:PORT (of the head's job API), got {address!r}")
    ours = info.get("dashboard_address") == address
    if token is None:
        token = os.environ.get("COLONY_CLUSTER_TOKEN")
    if token is None and ours:
        token = info.get("token")
    if token is None:
        raise ValueError(f"the job API at {address} needs the cluster token: pass token= or "
                         "set COLONY_CLUSTER_TOKEN ('colony token' on the head prints it)")
    ca = tls_ca or ((info.get("tls") or {}).get("ca") if ours
                    else os.environ.get("COLONY_TLS_CA"))
    context = None
    if ca or scheme == "https":
        scheme = "https"
        context = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
    return f"{scheme}://{address}", token, context
