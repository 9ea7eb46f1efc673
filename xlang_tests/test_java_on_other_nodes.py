"""Java workers on a node other than the driver's get the job's code search path: the
driver registers its job config only with its own raylet, so the others fetch it from the
GCS's job table before starting a job's first worker (before, Java actors and tasks placed
there failed with ClassNotFoundException)."""

import pytest

import colony
from colony import cross_language
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy


@pytest.fixture
def two_nodes(java_classes):
    cluster = Cluster(head_node_args={"num_cpus": 1})
    other = cluster.add_node(num_cpus=1)
    cluster.connect(job_config=colony.JobConfig(code_search_path=[java_classes]))
    cluster.wait_for_nodes(timeout=60)
    yield other
    cluster.shutdown()


def test_java_actor_and_task_on_a_node_without_the_driver(two_nodes):
    there = NodeAffinitySchedulingStrategy(two_nodes.node_id, soft=False)
    counter = cross_language.java_actor_class("xlang.Counter").options(
        scheduling_strategy=there).remote(10)
    assert colony.get(counter.increment.remote(5), timeout=120) == 15
    add = cross_language.java_function("xlang.MathJob", "add").options(scheduling_strategy=there)
    assert colony.get(add.remote(1, 2), timeout=120) == 3
