"""Locality-aware leasing: a task with the default strategy is leased on the node whose
store holds most of its (owned) argument bytes (other strategies place work themselves:
TaskSubmissionTest.LeasesAreAskedOfTheNodeHoldingMostArgumentBytes)."""

import numpy as np
import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy


def node_of_task():
    return colony.get_runtime_context().get_node_id()


@colony.remote
def make_array(mib):
    return np.ones(mib * 1024 * 1024 // 8)


@colony.remote
def where_with(*arrays):
    return node_of_task(), sum(int(a.size) for a in arrays)


@pytest.fixture
def two_nodes():
    # Enough CPUs that the producers' idle leases keep both nodes under the default
    # policy's spread threshold: where a task runs is then decided by locality alone.
    with Cluster(head_node_args={"num_cpus": 8}) as cluster:
        worker = cluster.add_node(num_cpus=8)
        cluster.connect()
        cluster.wait_for_nodes()
        yield cluster, worker


def test_a_task_runs_where_most_of_its_argument_bytes_are(two_nodes):
    cluster, worker = two_nodes
    head = cluster.head_node.node_id
    on_worker = make_array.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(worker.node_id, soft=False))
    on_head = make_array.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(head, soft=False))
    big, small = on_worker.remote(8), on_head.remote(1)
    colony.wait([big, small], num_returns=2, fetch_local=False)
    # The driver is on the head; the bigger argument is on the other node: run there.
    for _ in range(3):
        node, _ = colony.get(where_with.remote(big, small), timeout=60)
        assert node == worker.node_id
    # Most bytes on the head now: run on the head.
    bigger = on_head.remote(16)
    node, _ = colony.get(where_with.remote(big, bigger), timeout=60)
    assert node == head
