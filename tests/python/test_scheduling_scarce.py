"""Scarce resources on a real cluster: work that does not ask for a GPU (or a resource named
in scarce_resources / --scarce-resources) runs on the other nodes while one of them can fit
it; work that asks for it goes to its node. Checked by where the work ran."""

import pytest

import colony
from colony.cluster_utils import Cluster


@colony.remote
def where():
    return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=0.5)
class Where:
    def node(self):
        return colony.get_runtime_context().get_node_id()


@pytest.fixture(scope="module")
def cluster():
    # The driver sits on the GPU head: without the rule its CPU work would pack there.
    with Cluster(head_node_args={"num_cpus": 4, "num_gpus": 1},
                 scarce_resources=["accel"]) as c:
        accel = c.add_node(num_cpus=4, resources={"accel": 2})
        plain = c.add_node(num_cpus=2)
        c.connect()
        c.wait_for_nodes()
        yield {"gpu": c.head_node.node_id, "accel": accel.node_id, "plain": plain.node_id}


def test_cpu_tasks_keep_off_gpu_and_named_scarce_nodes(cluster):
    nodes = set(colony.get([where.remote() for _ in range(20)], timeout=120))
    assert nodes == {cluster["plain"]}
    spread = set(colony.get([where.options(scheduling_strategy="SPREAD").remote()
                             for _ in range(12)], timeout=120))
    assert spread == {cluster["plain"]}


def test_work_asking_for_a_scarce_resource_goes_to_its_node(cluster):
    assert colony.get(where.options(num_gpus=1).remote(), timeout=120) == cluster["gpu"]
    assert colony.get(where.options(resources={"accel": 1}).remote(), timeout=120) == \
        cluster["accel"]


def test_scarce_nodes_take_work_no_other_node_can_fit(cluster):
    # 3 CPUs: the plain node has 2 in total, so the work may use a scarce node.
    assert colony.get(where.options(num_cpus=3).remote(), timeout=120) in (
        cluster["gpu"], cluster["accel"])


def test_actors_keep_off_scarce_nodes(cluster):
    actors = [Where.remote() for _ in range(2)]
    assert set(colony.get([a.node.remote() for a in actors], timeout=120)) == {cluster["plain"]}
    for a in actors:
        colony.kill(a)


def test_bad_scarce_resources_are_refused():
    with pytest.raises(ValueError, match="scarce_resources must be a list"):
        Cluster(head_node_args={"num_cpus": 1}, scarce_resources="GPU")
