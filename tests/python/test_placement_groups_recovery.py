"""Placement groups on clusters of their own (docs/scheduling.md, "Placement groups"): SPREAD
over idle nodes, an infeasible group that waits with its reason until a node that fits
joins and is placed again when that node dies, and groups kept across a GCS restart on
Redis. Checked by where work ran and what the GCS's table says, never by timing."""

from __future__ import annotations

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util import (get_placement_group, placement_group, placement_group_table,
                         remove_placement_group)
from colony.util.scheduling_strategies import PlacementGroupSchedulingStrategy
from colony_testutil import wait_for
from redis_util import RedisServer, redis_server_path


@colony.remote(num_cpus=1)
def where():
    return colony.get_runtime_context().get_node_id()


@colony.remote(num_cpus=0)
def where_free():
    return colony.get_runtime_context().get_node_id()


def in_bundle(pg, index=-1):
    return PlacementGroupSchedulingStrategy(pg, index)


def bundle_nodes(pg):
    return placement_group_table(pg)["bundles_to_node_id"]


def test_spread_uses_every_idle_node():
    # SPREAD goes by the free resources the GCS last heard of, so it gets a cluster of its
    # own whose nodes are all idle.
    with Cluster(head_node_args={"num_cpus": 2}) as c:
        c.add_node(num_cpus=2)
        c.add_node(num_cpus=2)
        c.connect()
        c.wait_for_nodes()
        spread = placement_group([{"CPU": 0.5}] * 3, strategy="SPREAD")
        assert spread.wait(60)
        nodes = bundle_nodes(spread)
        assert len(set(nodes.values())) == 3
        for index, node in nodes.items():
            assert colony.get(where_free.options(
                scheduling_strategy=in_bundle(spread, index)).remote(), timeout=60) == node
        colony.shutdown()


def test_infeasible_group_waits_with_reason_then_node_death_reschedules():
    with Cluster(head_node_args={"num_cpus": 1}, health_check_timeout_ms=2000) as c:
        c.connect()
        pg = placement_group([{"CPU": 1}, {"accel": 1}], strategy="PACK")
        record = wait_for(lambda: (lambda r: r if r["pending_reason"] else None)(
            placement_group_table(pg)), timeout=30, what="a pending reason")
        assert record["state"] == "PENDING"
        assert "bundle 1" in record["pending_reason"] and "accel" in record["pending_reason"]
        assert not pg.wait(0)
        first = c.add_node(num_cpus=1, resources={"accel": 1})
        assert pg.wait(60)
        assert bundle_nodes(pg)[1] == first.node_id
        # Work in the bundle runs on the node that holds it.
        assert colony.get(where_free.options(scheduling_strategy=in_bundle(pg, 1)).remote(),
                          timeout=60) == first.node_id
        # That node dies: its bundle waits for another node with accel, then lands there.
        c.remove_node(first, allow_graceful=False)
        wait_for(lambda: placement_group_table(pg)["state"] in ("RESCHEDULING", "PENDING"),
                 timeout=60, what="the group to lose its bundle")
        second = c.add_node(num_cpus=1, resources={"accel": 1})
        wait_for(lambda: placement_group_table(pg)["state"] == "CREATED", timeout=60,
                 what="the bundle placed again")
        assert bundle_nodes(pg)[1] == second.node_id
        assert colony.get(where_free.options(scheduling_strategy=in_bundle(pg, 1)).remote(),
                          timeout=60) == second.node_id
        colony.shutdown()


@pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed")
def test_gcs_restart_on_redis_keeps_groups():
    with RedisServer() as redis, Cluster(head_node_args={"num_cpus": 2},
                                         gcs_storage=redis.url) as c:
        c.add_node(num_cpus=2)
        c.connect(namespace="pgft")
        c.wait_for_nodes()
        pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_SPREAD", name="kept")
        assert pg.wait(60)
        before = bundle_nodes(pg)
        assert colony.get(where.options(scheduling_strategy=in_bundle(pg, 1)).remote(),
                          timeout=60) == before[1]
        c.kill_gcs()
        c.restart_gcs()
        kept = get_placement_group("kept")
        assert kept == pg
        assert placement_group_table(pg)["state"] == "CREATED"
        assert bundle_nodes(pg) == before
        assert colony.get(where.options(scheduling_strategy=in_bundle(pg, 0)).remote(),
                          timeout=60) == before[0]
        # The new GCS creates and removes groups as before.
        fresh = placement_group([{"CPU": 1}], strategy="PACK")
        assert fresh.wait(60)
        remove_placement_group(fresh)
        remove_placement_group(pg)
        assert placement_group_table(pg)["state"] == "REMOVED"
        colony.shutdown()
