"""A raylet that shuts down gracefully (SIGTERM: `colony stop`, Cluster.remove_node) while
lease requests wait at it answers them UNAVAILABLE, so their tasks are retried elsewhere as
for a crashed node. Before, it answered with a failure message, which failed the waiting
tasks with WorkerCrashedError("raylet is shutting down") whatever their max_retries (found
by bench/chaos_soak.py)."""

import os

import colony
import pytest
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy
from colony_testutil import wait_for


@pytest.fixture
def cluster():
    c = Cluster(head_node_args={"num_cpus": 2}, health_check_timeout_ms=2000)
    yield c
    c.shutdown()


def test_tasks_waiting_at_a_node_that_shuts_down_run_elsewhere(cluster, tmp_path):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes(timeout=60)

    @colony.remote(max_retries=-1)
    def hold(path):
        # Holds the victim's only CPU (every attempt there) so the others wait for it.
        open(os.path.join(path, f"{os.getpid()}"), "w").close()
        if colony.get_runtime_context().get_node_id() == victim_id:
            import time
            time.sleep(600)
        return colony.get_runtime_context().get_node_id()

    victim_id = victim.node_id
    there = NodeAffinitySchedulingStrategy(victim_id, soft=True)
    first = hold.options(scheduling_strategy=there).remote(str(tmp_path))
    wait_for(lambda: os.listdir(tmp_path), timeout=60, what="the first task to start")
    waiting = [hold.options(scheduling_strategy=there).remote(str(tmp_path)) for _ in range(3)]
    cluster.remove_node(victim, allow_graceful=True)
    head = cluster.head_node.node_id
    assert colony.get(waiting + [first], timeout=120) == [head] * 4
