"""JobConfig(scheduling_spread_threshold=) overrides the cluster's pack/spread watermark for
that job's tasks, on a real 2-node cluster whose default is 0.5; checked by where tasks ran."""

import time

import pytest

import colony
from colony.cluster_utils import Cluster


@colony.remote
def sleep_where(seconds):
    time.sleep(seconds)
    return colony.get_runtime_context().get_node_id()


def run_two(threshold, cpus):
    """On a fresh 2-node cluster of `cpus`-CPU nodes (default watermark 0.5): where two 1-CPU
    tasks submitted together by a job with `threshold` ran, and the two node ids."""
    with Cluster(head_node_args={"num_cpus": cpus}) as c:
        worker = c.add_node(num_cpus=cpus)
        c.connect(job_config=colony.JobConfig(scheduling_spread_threshold=threshold))
        c.wait_for_nodes()
        ran = colony.get([sleep_where.remote(1.0) for _ in range(2)], timeout=120)
        colony.shutdown()
        return ran, c.head_node.node_id, worker.node_id


def test_zero_spreads_from_the_first_task():
    # 4-CPU nodes: the default (0.5) would keep both tasks on the head (it stays at or
    # under a quarter used); this job spreads.
    ran, head, worker = run_two(0.0, 4)
    assert sorted(ran) == sorted([head, worker])


def test_one_packs_while_the_node_fits():
    # The cluster default (0.5) would send the second task away; this job packs both.
    ran, head, _ = run_two(1.0, 2)
    assert ran == [head, head]


def test_bad_threshold_is_refused():
    for bad in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match="scheduling_spread_threshold must be a number"):
            colony.JobConfig(scheduling_spread_threshold=bad)
