"""Submitted jobs: their records in the GCS and their life from PENDING to an end state.

A record is JSON in the GCS KV (namespace `job_submissions`, key the submission id) and is
written through on every change, so `colony job status/list` read what the GCS holds. The
processes are the job agent's business (job_agent.py).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time

from colony._private import runtime_env
from colony.dashboard.job_agent import JobAgent
from colony.dashboard.kv_store import KeyValueStore
from colony.job_submission.models import JobDetails, JobStatus

KV_NAMESPACE = "job_submissions"
# Where a submitted Python driver records its GCS job id (colony._private.worker).
DRIVERS_KV_NAMESPACE = "job_submission_drivers"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_LOG_CHUNK = 1 << 20


class JobError(ValueError):
    """A request that cannot be served; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _now_ms() -> int:
    return int(time.time() * 1000)


class JobManager:
    def __init__(self, store: KeyValueStore, agent: JobAgent):
        self._store = store
        self._agent = agent
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs: dict = {}
        self._driver_job_unknown: set = set()
        self._load()

    def _load(self) -> None:
        """Reloads the records; a job left unfinished by an earlier agent has no driver
        any more (drivers are stopped with their agent), so it is marked FAILED."""
        for sid in self._store.keys(KV_NAMESPACE):
            raw = self._store.get(KV_NAMESPACE, sid)
            if raw is None:
                continue
            try:
                job = JobDetails.from_json(json.loads(raw))
            except (ValueError, KeyError):
                continue
            if not job.status.is_terminal():
                job.status = JobStatus.FAILED
                job.message = "the job agent that ran it stopped before the job ended"
                job.end_time = _now_ms()
                self._save(job)
            self._jobs[sid] = job

    def _save(self, job: JobDetails) -> None:
        self._store.put(KV_NAMESPACE, job.submission_id, json.dumps(job.to_json()).encode())

    # ------------------------------------------------------------------ requests

    def submit(self, entrypoint, submission_id=None, env=None, metadata=None) -> str:
        if not isinstance(entrypoint, str) or not entrypoint.strip():
            raise JobError("entrypoint must be a non-empty command line string")
        if metadata is not None and (not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
            raise JobError("metadata must be an object of strings to strings")
        try:
            env = runtime_env.validate(env, working_dir_is_uri=True)
        except runtime_env.RuntimeEnvError as e:
            raise JobError(str(e)) from None
        if submission_id is None:
            submission_id = "colsub_" + secrets.token_hex(8)
        elif not isinstance(submission_id, str) or not _ID_RE.match(submission_id):
            raise JobError(f"submission_id {submission_id!r} must be 1-64 letters, digits, "
                           "'_', '.' or '-', starting with a letter or digit")
        job = JobDetails(submission_id=submission_id, entrypoint=entrypoint,
                         status=JobStatus.PENDING, message="waiting for its driver to start",
                         start_time=_now_ms(), runtime_env=env, metadata=metadata or {})
        with self._lock:
            if submission_id in self._jobs:
                raise JobError(f"a job with submission_id {submission_id!r} already exists",
                               status=409)
            self._jobs[submission_id] = job
            self._save(job)
        self._agent.start(submission_id, entrypoint, env,
                          on_running=lambda pid: self._running(submission_id, pid),
                          on_exit=lambda code, msg, stopped: self._ended(submission_id, code,
                                                                          msg, stopped))
        return submission_id

    def get(self, submission_id: str) -> JobDetails:
        with self._lock:
            job = self._jobs.get(submission_id)
            if job is None:
                raise JobError(f"no job with submission_id {submission_id!r}", status=404)
            self._learn_driver_job(job)
            return JobDetails.from_json(job.to_json())

    def _status(self, submission_id: str) -> JobStatus:
        with self._lock:
            job = self._jobs.get(submission_id)
            if job is None:
                raise JobError(f"no job with submission_id {submission_id!r}", status=404)
            return job.status

    def list(self) -> list:
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: (j.start_time, j.submission_id))
            for job in jobs:
                self._learn_driver_job(job)
            return [JobDetails.from_json(j.to_json()) for j in jobs]

    def _learn_driver_job(self, job: JobDetails) -> None:
        """Fills in the driver's GCS job id once its driver has recorded it (Python drivers
        do; for others it stays unknown, and an ended job is looked up once only)."""
        if (job.driver_job_id is not None or job.status == JobStatus.PENDING
                or job.submission_id in self._driver_job_unknown):
            return
        raw = self._store.get(DRIVERS_KV_NAMESPACE, job.submission_id)
        if raw:
            job.driver_job_id = raw.decode()
            self._save(job)
        elif job.status.is_terminal():
            self._driver_job_unknown.add(job.submission_id)

    def stop(self, submission_id: str) -> bool:
        """True if the job was running (or pending) and is now being stopped."""
        job = self.get(submission_id)
        if job.status.is_terminal():
            return False
        return self._agent.stop(submission_id)

    def delete(self, submission_id: str) -> bool:
        """Forgets a finished job and its log; a job still running is refused."""
        job = self.get(submission_id)
        if not job.status.is_terminal():
            raise JobError(f"job {submission_id!r} is {job.status.value}; stop it before "
                           "deleting it")
        with self._lock:
            self._jobs.pop(submission_id, None)
            self._store.delete(KV_NAMESPACE, submission_id)
            self._store.delete(DRIVERS_KV_NAMESPACE, submission_id)
        try:
            os.remove(self._agent.log_path(submission_id))
        except OSError:
            pass
        return True

    def logs(self, submission_id: str, offset: int = 0, wait_s: float = 0.0) -> tuple:
        """(bytes of the driver's log from `offset`, next offset, job status). With
        `wait_s`, waits up to that long for new output or the job's end."""
        if offset < 0:
            raise JobError("offset must be >= 0")
        deadline = time.monotonic() + max(0.0, min(wait_s, 60.0))
        path = self._agent.log_path(submission_id)
        while True:
            status = self._status(submission_id)
            data = _read_from(path, offset)
            if data or status.is_terminal() or time.monotonic() >= deadline:
                if not data and status.is_terminal():
                    data = _read_from(path, offset)  # written just before it ended
                return data, offset + len(data), status
            with self._changed:
                # Woken at once by state changes; new output is polled for.
                self._changed.wait(min(0.05, max(0.0, deadline - time.monotonic())))

    # ------------------------------------------------------------------ agent events

    def _running(self, submission_id: str, pid: int) -> None:
        with self._changed:
            job = self._jobs.get(submission_id)
            if job is None or job.status.is_terminal():
                return
            job.status = JobStatus.RUNNING
            job.message = "its driver is running"
            job.driver_pid = pid
            self._save(job)
            self._changed.notify_all()

    def _ended(self, submission_id: str, code, message: str, stopped: bool) -> None:
        with self._changed:
            job = self._jobs.get(submission_id)
            if job is None:
                return
            if stopped:
                job.status = JobStatus.STOPPED
                job.message = "stopped by a user (colony job stop)"
            elif code == 0:
                job.status = JobStatus.SUCCEEDED
                job.message = "the entrypoint exited with code 0"
            else:
                job.status = JobStatus.FAILED
                job.message = message
            job.driver_exit_code = code
            job.end_time = _now_ms()
            self._save(job)
            self._changed.notify_all()


def _read_from(path: str, offset: int) -> bytes:
    try:
        with open(path, "rb") as f:
            if offset >= os.fstat(f.fileno()).st_size:
                return b""  # also offsets past what a file system can seek to
            f.seek(offset)
            return f.read(MAX_LOG_CHUNK)
    except FileNotFoundError:
        return b""
