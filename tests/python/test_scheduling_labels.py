"""Node labels and NodeLabelSchedulingStrategy on a real 3-node cluster: colony.nodes() shows
each node's labels (with the built-in colony.io/node-id and colony.io/hostname), tasks and
actors run only where the hard selector matches, prefer the soft one, and wait (with a
warning naming the selector) while no node matches. Checked by where the work ran."""

import socket

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import (DoesNotExist, Exists, In,
                                               NodeLabelSchedulingStrategy, NotIn)


@colony.remote(num_cpus=0.1)
def where():
    return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=0.1)
class Where:
    def node(self):
        return colony.get_runtime_context().get_node_id()


def labels(hard=None, soft=None):
    return NodeLabelSchedulingStrategy(hard=hard, soft=soft)


@pytest.fixture(scope="module")
def cluster():
    with Cluster(head_node_args={"num_cpus": 2, "labels": {"zone": "a"}}) as c:
        b = c.add_node(num_cpus=2, labels={"zone": "b", "disk": "ssd", "node_type": "4c8g"})
        cc = c.add_node(num_cpus=2, labels={"zone": "c"})
        c.connect()
        c.wait_for_nodes()
        yield {"a": c.head_node.node_id, "b": b.node_id, "c": cc.node_id, "cluster": c}


def run_many(strategy, n=12):
    return set(colony.get([where.options(scheduling_strategy=strategy).remote()
                           for _ in range(n)], timeout=120))


def test_nodes_show_given_and_built_in_labels(cluster):
    by_id = {n["NodeID"]: n["Labels"] for n in colony.nodes() if n["Alive"]}
    assert by_id[cluster["b"]]["zone"] == "b"
    assert by_id[cluster["b"]]["node_type"] == "4c8g"
    for node_id, node_labels in by_id.items():
        assert node_labels["colony.io/node-id"] == node_id
        assert node_labels["colony.io/hostname"] == socket.gethostname()


def test_hard_selectors_of_each_operator(cluster):
    assert run_many(labels(hard={"zone": In("b", "c")})) <= {cluster["b"], cluster["c"]}
    assert run_many(labels(hard={"zone": NotIn("a", "b")})) == {cluster["c"]}
    assert run_many(labels(hard={"disk": Exists()})) == {cluster["b"]}
    assert run_many(labels(hard={"disk": DoesNotExist()})) <= {cluster["a"], cluster["c"]}
    assert run_many(labels(hard={"colony.io/node-id": In(cluster["c"])})) == {cluster["c"]}
    assert run_many(labels(hard={"zone": In("a", "b"), "disk": DoesNotExist()})) == \
        {cluster["a"]}


def test_soft_selector_is_preferred(cluster):
    # The driver is on the head ("a"); soft pulls the work to the one node with a disk.
    assert run_many(labels(hard={"zone": In("a", "b", "c")}, soft={"disk": Exists()})) == \
        {cluster["b"]}
    # Soft alone: a preference, never a filter.
    assert run_many(labels(soft={"disk": In("hdd")})) <= {cluster["a"], cluster["b"],
                                                          cluster["c"]}


def test_actors_follow_label_selectors(cluster):
    actors = [Where.options(scheduling_strategy=labels(hard={"zone": In("c")})).remote()
              for _ in range(2)]
    assert set(colony.get([a.node.remote() for a in actors], timeout=120)) == {cluster["c"]}
    soft = Where.options(scheduling_strategy=labels(hard={"zone": NotIn("c")},
                                                    soft={"node_type": In("4c8g")})).remote()
    assert colony.get(soft.node.remote(), timeout=120) == cluster["b"]
    for a in actors + [soft]:
        colony.kill(a)


def test_unmatched_hard_selector_waits_for_a_matching_node(cluster, capfd):
    strategy = labels(hard={"zone": In("z")})
    task = where.options(scheduling_strategy=strategy).remote()
    actor = Where.options(scheduling_strategy=strategy).remote()
    call = actor.node.remote()
    ready, _ = colony.wait([task, call], num_returns=1, timeout=3)
    assert ready == []
    # The driver warns, naming the selector (as for other work no node can run).
    err = ""
    import time
    deadline = time.monotonic() + 30
    while "matches no alive node" not in err and time.monotonic() < deadline:
        time.sleep(0.2)
        err += capfd.readouterr().err
    assert '{"zone": In("z")} matches no alive node' in err
    z = cluster["cluster"].add_node(num_cpus=1, labels={"zone": "z"})
    assert colony.get(task, timeout=120) == z.node_id
    assert colony.get(call, timeout=120) == z.node_id
    colony.kill(actor)


def test_bad_selectors_are_refused_with_clear_errors():
    with pytest.raises(ValueError, match="at least one label value"):
        In()
    with pytest.raises(TypeError, match="non-empty strings"):
        NotIn("a", 3)
    with pytest.raises(TypeError, match="must be a dict"):
        NodeLabelSchedulingStrategy(hard=["zone"])
    with pytest.raises(TypeError, match=r"hard\['zone'\] must be In"):
        NodeLabelSchedulingStrategy(hard={"zone": "a"})
    with pytest.raises(ValueError, match="needs a hard or a soft selector"):
        NodeLabelSchedulingStrategy(hard={})
    with pytest.raises(ValueError, match="scheduling_strategy must be"):
        where.options(scheduling_strategy={"zone": In("a")})


def test_built_in_label_keys_cannot_be_given():
    with pytest.raises(Exception, match="colony.io/ are built in"):
        with Cluster(head_node_args={"num_cpus": 1, "labels": {"colony.io/node-id": "x"}}):
            pass
