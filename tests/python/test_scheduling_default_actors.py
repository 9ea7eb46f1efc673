"""DEFAULT-strategy actors that ask for no resources (num_cpus=0, the actor default) spread
over the alive nodes instead of all landing on the driver's node; actors that ask for
resources still start on the driver's node while it is under the spread threshold."""

import collections

import pytest

import colony
from colony.cluster_utils import Cluster


@colony.remote
class Where:
    def node(self):
        return colony.get_runtime_context().get_node_id()


@pytest.fixture
def three_nodes():
    with Cluster(head_node_args={"num_cpus": 4}) as cluster:
        others = [cluster.add_node(num_cpus=4) for _ in range(2)]
        cluster.connect()
        cluster.wait_for_nodes()
        yield [cluster.head_node.node_id] + [n.node_id for n in others]


def test_nine_default_actors_land_on_all_three_nodes(three_nodes):
    actors = [Where.remote() for _ in range(9)]
    counts = collections.Counter(colony.get([a.node.remote() for a in actors], timeout=180))
    assert set(counts) == set(three_nodes), counts
    # Turns over idle nodes: none is left with more than half.
    assert max(counts.values()) <= 5, counts


def test_actor_asking_for_a_cpu_starts_on_the_driver_node(three_nodes):
    driver_node = colony.get_runtime_context().get_node_id()
    assert driver_node == three_nodes[0]
    actor = Where.options(num_cpus=1).remote()
    assert colony.get(actor.node.remote(), timeout=120) == driver_node
