"""Per-job settings given to colony.init()."""

from __future__ import annotations

from dataclasses import dataclass, field


# Checks and normalizes a runtime_env dict (colony._private.runtime_env registers it when
# colony is imported: this leaf module imports no colony._private module).
_runtime_env_validator = None


def set_runtime_env_validator(validator) -> None:
    global _runtime_env_validator
    _runtime_env_validator = validator


@dataclass
class JobConfig:
    """Settings of one job.

    Example:
        colony.init(job_config=colony.JobConfig(code_search_path=["/opt/jobs/lib"]))
    """

    code_search_path: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    java_actors_per_worker: int = 4
    # The DEFAULT policy's pack/spread watermark for this job's tasks: they stay on their
    # submitter's node while its utilisation is below it (0: spread from the first task,
    # 1: pack while it fits). None: the cluster's --scheduler-spread-threshold.
    scheduling_spread_threshold: float | None = None
    # The job's runtime env (docs/runtime_env.md): every task and actor of the job runs in
    # it, merged under their own runtime_env option. Local paths, uploaded at colony.init().
    runtime_env: dict | None = None
    # The virtual cluster whose nodes alone run this job's tasks and actors
    # (docs/virtual_clusters.md); None: the nodes in no virtual cluster.
    virtual_cluster_id: str | None = None
    # In a divisible virtual cluster: {node_type: count} of nodes this job holds alone
    # (a job cluster) from its start to its end.
    job_cluster_replica_sets: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.runtime_env is not None:
            if _runtime_env_validator is None:
                raise RuntimeError("JobConfig(runtime_env=) needs colony imported first")
            self.runtime_env = _runtime_env_validator(self.runtime_env)
        if isinstance(self.code_search_path, str) or not all(
                isinstance(p, str) for p in self.code_search_path):
            raise TypeError("code_search_path must be a list of paths")
        if not isinstance(self.java_actors_per_worker, int) or self.java_actors_per_worker < 1:
            raise ValueError("java_actors_per_worker must be a positive integer")
        t = self.scheduling_spread_threshold
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))
                              or not 0 <= t <= 1):
            raise ValueError(f"scheduling_spread_threshold must be a number between 0 and 1, "
                             f"got {t!r}")
        if self.virtual_cluster_id is not None and not isinstance(self.virtual_cluster_id, str):
            raise TypeError("virtual_cluster_id must be a string")
        replicas = self.job_cluster_replica_sets
        if not isinstance(replicas, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0
                for k, v in replicas.items()):
            raise ValueError("job_cluster_replica_sets must map node types to positive counts, "
                             f"got {replicas!r}")
        if replicas and not self.virtual_cluster_id:
            raise ValueError("job_cluster_replica_sets needs a virtual_cluster_id")
