"""scheduling_strategy="SPREAD" on a real 3-node cluster: short tasks land on every node,
checked by the node each task ran on (a lease granted on one node must not take the SPREAD
work meant for the others)."""

import collections

import pytest

import colony
from colony.cluster_utils import Cluster


@colony.remote
def where():
    return colony.get_runtime_context().get_node_id()


@pytest.fixture
def three_nodes():
    with Cluster(head_node_args={"num_cpus": 2}) as cluster:
        others = [cluster.add_node(num_cpus=2) for _ in range(2)]
        cluster.connect()
        cluster.wait_for_nodes()
        yield [cluster.head_node.node_id] + [n.node_id for n in others]


def test_thirty_short_spread_tasks_land_on_all_three_nodes(three_nodes):
    spread = where.options(scheduling_strategy="SPREAD")
    counts = collections.Counter(colony.get([spread.remote() for _ in range(30)], timeout=120))
    assert set(counts) == set(three_nodes), counts
    # Round robin over idle nodes: no node takes the lion's share.
    assert max(counts.values()) <= 20, counts


def test_spread_after_default_work_warmed_a_lease_on_the_head(three_nodes):
    # DEFAULT tasks leave an idle lease (and a started worker) on the head; SPREAD tasks
    # submitted right after must still go round the nodes.
    colony.get([where.remote() for _ in range(20)])
    spread = where.options(scheduling_strategy="SPREAD")
    for _ in range(3):
        counts = collections.Counter(colony.get([spread.remote() for _ in range(30)],
                                                timeout=120))
        assert set(counts) == set(three_nodes), (three_nodes, counts)


def test_sequential_spread_tasks_also_spread(three_nodes):
    # One at a time (submit, get, submit...): each is placed anew, not on the last lease.
    spread = where.options(scheduling_strategy="SPREAD")
    nodes = [colony.get(spread.remote(), timeout=60) for _ in range(9)]
    assert set(nodes) == set(three_nodes), nodes
