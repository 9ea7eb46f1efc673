"""A running streaming job, as its driver sees it: `ctx.execute(name)` returns a
`JobHandle`."""

from __future__ import annotations

from colony.streaming.plan import JobPlan
from colony.streaming.runtime.checkpoint_store import (FolderCheckpointStore,
                                                       ObjectStoreCheckpointStore)
from colony.streaming.runtime.coordinator import (FAILED, FINISHED, RESTARTING, RUNNING,
                                                  STOPPED, JobCoordinator, check_actor_options)

__all__ = ["JobHandle", "RUNNING", "RESTARTING", "FINISHED", "FAILED", "STOPPED"]


class JobHandle:
    """Status, per-operator metrics, wait, stop and resume of one job."""

    def __init__(self, plan: JobPlan, store, max_restarts: int, actor_options: dict | None):
        self._plan = plan
        self._store = store
        self._max_restarts = max_restarts
        self._actor_options = check_actor_options(actor_options)
        self._coordinator = None

    @staticmethod
    def start(plan: JobPlan, max_restarts: int = 10,
              actor_options: dict | None = None) -> "JobHandle":
        cp = plan.checkpoint
        if cp.storage == "FOLDER":
            if not cp.folder:
                raise ValueError("CheckpointConfig(storage='FOLDER') needs a folder")
            store = FolderCheckpointStore(cp.folder)
        else:
            store = ObjectStoreCheckpointStore()
        handle = JobHandle(plan, store, max_restarts, actor_options)
        handle._launch()
        return handle

    @staticmethod
    def resume_from(folder: str, max_restarts: int = 10,
                    actor_options: dict | None = None) -> "JobHandle":
        """A job stopped (or whose driver died) with FOLDER checkpoints, started again by
        this driver from the newest checkpoint in `folder` (the plan is stored with it)."""
        store = FolderCheckpointStore(folder)
        latest = store.latest()
        if latest is None:
            raise FileNotFoundError(f"no complete checkpoint in {folder}")
        handle = JobHandle(JobPlan.from_json(latest[1]), store, max_restarts, actor_options)
        handle._launch()
        return handle

    def _launch(self) -> None:
        self._coordinator = JobCoordinator(self._plan, self._store, self._max_restarts,
                                           self._actor_options)
        self._coordinator.start()

    @property
    def name(self) -> str:
        return self._plan.name

    @property
    def plan(self) -> JobPlan:
        return self._plan

    @property
    def status(self) -> str:
        """RUNNING, RESTARTING, FINISHED, FAILED or STOPPED."""
        return self._coordinator.status

    @property
    def error(self) -> str | None:
        """Why the job last restarted or failed."""
        return self._coordinator.error

    @property
    def restarts(self) -> int:
        return self._coordinator.restarts

    @property
    def last_checkpoint(self) -> int:
        """The id of the newest complete checkpoint (0: none yet)."""
        return self._coordinator.last_checkpoint

    def metrics(self) -> dict:
        """Per operator id: name, parallelism, records_in/records_out (totals of this run)
        and records_in_per_s/records_out_per_s, backlog (messages queued at its input),
        late_dropped, watermark, last_checkpoint and checkpoint_age_s."""
        return self._coordinator.metrics()

    def instance_pids(self) -> dict:
        """(chain head operator id, instance) -> the pid of the worker running it."""
        return dict(self._coordinator.pids)

    def wait(self, timeout: float | None = None) -> str:
        """Waits until the job is FINISHED, FAILED or STOPPED (or `timeout` seconds pass)
        and returns its status."""
        return self._coordinator.wait(timeout)

    def stop(self, checkpoint: bool = True, timeout: float | None = 120) -> str:
        """Stops the job; with `checkpoint`, after one more checkpoint completes, so that
        `resume()` continues exactly there."""
        if self.status in (RUNNING, RESTARTING):
            self._coordinator.request_stop(checkpoint)
        return self.wait(timeout)

    def resume(self) -> None:
        """Starts a stopped (or failed) job again from its newest complete checkpoint."""
        if self.status in (RUNNING, RESTARTING):
            raise RuntimeError(f"job {self.name} is {self.status}; stop it before resuming")
        self._launch()

    def __repr__(self) -> str:
        return f"JobHandle({self.name!r}, {self.status})"
