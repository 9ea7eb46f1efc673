"""Placement groups on real multi-node clusters (docs/scheduling.md, "Placement groups"):
each strategy places its bundles as it promises, tasks and actors in a bundle run on that
bundle's node, an infeasible group waits (with a reason naming the bundle and resource)
until a node that fits joins, removal kills the group's actors and frees its resources, a
dead node's bundles are placed again, and a GCS restarted on Redis keeps the groups (the
last three on clusters of their own: test_placement_groups_recovery.py). Checked by where
work ran and what the GCS's table says, never by timing."""

from __future__ import annotations

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.exceptions import ActorDiedError
from colony.util import (get_placement_group, placement_group, placement_group_table,
                         remove_placement_group)
from colony.util.scheduling_strategies import PlacementGroupSchedulingStrategy
from colony_testutil import wait_for


@colony.remote(num_cpus=1)
def where():
    return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=0)
def where_free():
    return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=1)
class Where:
    def node(self):
        return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=0)
def parent_and_child(child_cpus):
    """Runs in a group; its child asks for plain CPU with the DEFAULT strategy."""
    child = where.options(num_cpus=child_cpus).remote()
    return colony.get_runtime_context().get_node_id(), colony.get(child)


def in_bundle(pg, index=-1, capture=False):
    return PlacementGroupSchedulingStrategy(pg, index, capture)


def bundle_nodes(pg):
    return placement_group_table(pg)["bundles_to_node_id"]


def node_cpu_available(node_id):
    for node in colony.nodes():
        if node["NodeID"] == node_id and node["Alive"]:
            return node["AvailableResources"].get("CPU", 0)
    return None


@pytest.fixture(scope="module")
def cluster():
    with Cluster(head_node_args={"num_cpus": 2}) as c:
        c.add_node(num_cpus=2)
        c.add_node(num_cpus=2)
        c.connect()
        c.wait_for_nodes()
        yield c


def test_bad_input_gets_clear_errors(cluster):
    with pytest.raises(ValueError, match="at least one bundle"):
        placement_group([])
    with pytest.raises(ValueError, match="bundle 0 asks for no resources"):
        placement_group([{"CPU": 0}])
    with pytest.raises(ValueError, match="bundle 1 is empty"):
        placement_group([{"CPU": 1}, {}])
    with pytest.raises(ValueError, match="must be a finite number"):
        placement_group([{"CPU": -1}])
    with pytest.raises(ValueError, match="unknown placement strategy 'TIGHT'"):
        placement_group([{"CPU": 1}], strategy="TIGHT")
    with pytest.raises(ValueError, match="lifetime"):
        placement_group([{"CPU": 1}], lifetime="forever")
    pg = placement_group([{"CPU": 1}, {"CPU": 1}])
    assert pg.wait(60)
    with pytest.raises(ValueError, match="bundle_index 2 is out of range: the placement group "
                                         "has 2 bundle"):
        in_bundle(pg, 2)
    with pytest.raises(ValueError, match="out of range"):
        in_bundle(pg, -2)
    with pytest.raises(TypeError, match="needs a PlacementGroup"):
        PlacementGroupSchedulingStrategy("not a group")
    remove_placement_group(pg)
    with pytest.raises(ValueError, match="was removed"):
        where.options(scheduling_strategy=in_bundle(pg)).remote()
    assert placement_group_table(pg)["state"] == "REMOVED"
    with pytest.raises(ValueError, match="no placement group named 'nope'"):
        get_placement_group("nope")


def test_strict_spread_puts_each_bundle_on_its_own_node_and_work_follows(cluster):
    pg = placement_group([{"CPU": 1}] * 3, strategy="STRICT_SPREAD")
    assert colony.get(pg.ready(), timeout=60) == pg
    nodes = bundle_nodes(pg)
    assert len(set(nodes.values())) == 3
    for index, node in nodes.items():
        ran = colony.get([where.options(scheduling_strategy=in_bundle(pg, index)).remote()
                          for _ in range(3)], timeout=60)
        assert set(ran) == {node}
        actor = Where.options(scheduling_strategy=in_bundle(pg, index)).remote()
        assert colony.get(actor.node.remote(), timeout=60) == node
        colony.kill(actor)
    remove_placement_group(pg)


def test_strict_pack_puts_every_bundle_on_one_node(cluster):
    pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_PACK")
    assert pg.wait(60)
    nodes = set(bundle_nodes(pg).values())
    assert len(nodes) == 1
    ran = colony.get([where.options(scheduling_strategy=in_bundle(pg)).remote()
                      for _ in range(4)], timeout=60)
    assert set(ran) == nodes
    remove_placement_group(pg)


def test_pack_prefers_one_node(cluster):
    pack = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="PACK")
    assert pack.wait(60)
    assert len(set(bundle_nodes(pack).values())) == 1
    remove_placement_group(pack)


def test_named_group_and_table(cluster):
    pg = placement_group([{"CPU": 1}], name="trainers", strategy="PACK")
    assert pg.wait(60)
    found = get_placement_group("trainers")
    assert found == pg and found.bundle_specs == [{"CPU": 1.0}]
    with pytest.raises(Exception, match="already exists"):
        placement_group([{"CPU": 1}], name="trainers")
    record = placement_group_table()[pg.id]
    assert record["state"] == "CREATED" and record["strategy"] == "PACK"
    assert record["bundles"] == {0: {"CPU": 1.0}}
    remove_placement_group(pg)
    with pytest.raises(ValueError, match="no placement group named"):
        get_placement_group("trainers")


def test_removal_kills_actors_and_frees_resources(cluster):
    pg = placement_group([{"CPU": 2}], strategy="STRICT_PACK")
    assert pg.wait(60)
    node = bundle_nodes(pg)[0]
    # The bundle holds the node's two CPUs: plain work no longer counts them free.
    wait_for(lambda: node_cpu_available(node) == 0, timeout=30, what="the bundle's reservation")
    actor = Where.options(scheduling_strategy=in_bundle(pg, 0)).remote()
    assert colony.get(actor.node.remote(), timeout=60) == node
    remove_placement_group(pg)
    with pytest.raises(ActorDiedError):
        wait_for(lambda: colony.get(actor.node.remote(), timeout=30) and False, timeout=60,
                 what="the group's actor to die")
    wait_for(lambda: node_cpu_available(node) == 2, timeout=30, what="the node's CPUs back")


def test_capture_child_tasks(cluster):
    # The bundle takes all of one node's CPUs. A captured child asks for the bundle's CPU,
    # so it runs on that node; a child that is not captured asks for plain CPU, which that
    # node no longer has, so it runs elsewhere.
    pg = placement_group([{"CPU": 2}], strategy="STRICT_PACK")
    assert pg.wait(60)
    node = bundle_nodes(pg)[0]
    parent, child = colony.get(parent_and_child.options(
        scheduling_strategy=in_bundle(pg, capture=True)).remote(1), timeout=60)
    assert parent == node and child == node
    parent, child = colony.get(parent_and_child.options(
        scheduling_strategy=in_bundle(pg, capture=False)).remote(1), timeout=60)
    assert parent == node and child != node
    remove_placement_group(pg)
