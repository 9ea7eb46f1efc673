"""What a driver or task can learn about where it runs."""

from __future__ import annotations

from colony import _core


class RuntimeContext:
    """Ids of the current job, node, worker and task (hex strings)."""

    def __init__(self, info: dict):
        self._info = info

    def get_job_id(self) -> str:
        return self._info["job_id"]

    def get_node_id(self) -> str:
        return self._info["node_id"]

    def get_worker_id(self) -> str:
        return self._info["worker_id"]

    def get_task_id(self) -> str | None:
        """The running task's id, or None in a driver."""
        return None if self._info["is_driver"] else self._info["task_id"]

    def get_actor_id(self) -> str | None:
        """The id of the actor this code runs in, or None outside actors."""
        return self._info["actor_id"]

    @property
    def actor_id(self) -> str | None:
        return self.get_actor_id()

    @property
    def namespace(self) -> str:
        return self._info["namespace"]

    @property
    def job_id(self) -> str:
        return self.get_job_id()

    @property
    def node_id(self) -> str:
        return self.get_node_id()

    @property
    def task_id(self) -> str | None:
        return self.get_task_id()

    @property
    def worker_id(self) -> str:
        return self.get_worker_id()

    def __repr__(self) -> str:
        return f"RuntimeContext({self._info})"


def get_runtime_context() -> RuntimeContext:
    return RuntimeContext(_core.context())
