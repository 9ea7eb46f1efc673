"""Per-job settings given to colony.init()."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    def __post_init__(self):
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
