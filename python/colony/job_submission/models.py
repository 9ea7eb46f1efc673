"""What a submitted job looks like to its client: its status and its record."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class JobStatus(str, enum.Enum):
    """PENDING (accepted, driver not started yet), RUNNING, then one of SUCCEEDED (the
    entrypoint exited with 0), FAILED (it exited otherwise, or could not start) or STOPPED
    (`colony job stop` / `stop_job` ended it)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    def is_terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED)

    def __str__(self) -> str:
        return self.value


@dataclass
class JobDetails:
    """One submitted job. Times are milliseconds since the epoch (0: not yet)."""

    submission_id: str
    entrypoint: str
    status: JobStatus
    message: str = ""
    start_time: int = 0
    end_time: int = 0
    driver_exit_code: int | None = None
    driver_pid: int | None = None
    runtime_env: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    # The GCS job id (hex) of its driver, as get_runtime_context().get_job_id() says in it;
    # known once a Python driver has called colony.init().
    driver_job_id: str | None = None

    @classmethod
    def from_json(cls, d: dict) -> "JobDetails":
        return cls(submission_id=d["submission_id"], entrypoint=d["entrypoint"],
                   status=JobStatus(d["status"]), message=d.get("message", ""),
                   start_time=d.get("start_time", 0), end_time=d.get("end_time", 0),
                   driver_exit_code=d.get("driver_exit_code"), driver_pid=d.get("driver_pid"),
                   runtime_env=d.get("runtime_env") or {}, metadata=d.get("metadata") or {},
                   driver_job_id=d.get("driver_job_id"))

    def to_json(self) -> dict:
        return {"submission_id": self.submission_id, "entrypoint": self.entrypoint,
                "status": self.status.value, "message": self.message,
                "start_time": self.start_time, "end_time": self.end_time,
                "driver_exit_code": self.driver_exit_code, "driver_pid": self.driver_pid,
                "runtime_env": self.runtime_env, "metadata": self.metadata,
                "driver_job_id": self.driver_job_id}
