"""Clusters of several raylets on this machine (colony.cluster_utils): node listing, the
runtime context, scheduling across nodes, objects moving between nodes, and node failure
(a raylet SIGKILLed mid-work)."""

import os
import socket
import time

import numpy as np
import pytest

import colony
from colony import exceptions
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy

# Large enough to live in the shared-memory store (not inline).
BIG = 2_000_000


def node_of_task():
    return colony.get_runtime_context().get_node_id()


@colony.remote
def where():
    return node_of_task()


@colony.remote
def sleep_where(seconds):
    time.sleep(seconds)
    return node_of_task()


@colony.remote
def make_array(n, value):
    return np.full(n, value, dtype=np.int64)


@colony.remote
def array_sum(a):
    return int(a.sum()), node_of_task()


@colony.remote
def store_used():
    from colony import _core
    return _core.store_stats()["used_bytes"]


def on(node, soft=False):
    return NodeAffinitySchedulingStrategy(node.node_id, soft=soft)


@pytest.fixture
def cluster():
    c = Cluster(head_node_args={"num_cpus": 1}, health_check_timeout_ms=2000)
    yield c
    c.shutdown()


def wait_until(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------- nodes


def test_nodes_lists_every_node_with_resources_labels_and_liveness(cluster):
    worker = cluster.add_node(num_cpus=2, resources={"disk": 3}, labels={"zone": "b"})
    cluster.connect()
    cluster.wait_for_nodes()
    by_id = {n["NodeID"]: n for n in colony.nodes()}
    assert set(by_id) == {cluster.head_node.node_id, worker.node_id}
    info = by_id[worker.node_id]
    assert info["Alive"] is True
    assert info["Resources"]["CPU"] == 2 and info["Resources"]["disk"] == 3
    # The given labels plus the built-in ones every raylet adds.
    assert info["Labels"] == {"zone": "b", "colony.io/node-id": worker.node_id,
                              "colony.io/hostname": socket.gethostname()}
    host, port = worker.raylet_address.split(":")
    assert (info["NodeManagerAddress"], info["NodeManagerPort"]) == (host, int(port))
    assert colony.cluster_resources()["CPU"] == 3

    cluster.remove_node(worker)  # graceful: it unregisters
    wait_until(lambda: not {n["NodeID"]: n for n in colony.nodes()}[worker.node_id]["Alive"],
               what="the removed node to be listed dead")


def test_runtime_context_names_node_job_worker_task_and_actor(cluster):
    worker = cluster.add_node(num_cpus=1, resources={"w": 1})
    cluster.connect()
    driver = colony.get_runtime_context()
    assert driver.get_node_id() == cluster.head_node.node_id
    assert driver.get_task_id() is None

    @colony.remote(resources={"w": 1})
    def context():
        c = colony.get_runtime_context()
        return c.get_node_id(), c.get_job_id(), c.get_worker_id(), c.get_task_id(), c.get_actor_id()

    node, job, worker_id, task, actor = colony.get(context.remote())
    assert node == worker.node_id
    assert job == driver.get_job_id()
    assert worker_id != driver.get_worker_id() and task and actor is None

    @colony.remote(resources={"w": 1})
    class Where:
        def ids(self):
            c = colony.get_runtime_context()
            return c.get_node_id(), c.get_actor_id()

    a = Where.remote()
    node, actor_id = colony.get(a.ids.remote())
    assert node == worker.node_id and actor_id


# ---------------------------------------------------------------- scheduling


def test_a_task_needing_what_only_another_node_has_is_spilled_there(cluster):
    worker = cluster.add_node(num_cpus=1, resources={"gpu_like": 1})
    cluster.connect()
    assert colony.get(where.options(resources={"gpu_like": 1}).remote()) == worker.node_id


def test_default_policy_packs_locally_until_half_used_then_spreads():
    with Cluster(head_node_args={"num_cpus": 4}) as cluster:
        worker = cluster.add_node(num_cpus=4)
        cluster.connect()
        cluster.wait_for_nodes()
        head = cluster.head_node.node_id
        # Two 1-CPU tasks keep the head at or under half use: both stay local.
        assert colony.get([sleep_where.remote(1.0) for _ in range(2)]) == [head, head]
        # Four at once: past half use the rest go to the idle node.
        nodes = colony.get([sleep_where.remote(1.5) for _ in range(4)])
        assert nodes.count(head) == 2 and nodes.count(worker.node_id) == 2


def test_spread_strategy_uses_every_node(cluster):
    cluster.add_node(num_cpus=1)
    cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    nodes = colony.get([sleep_where.options(scheduling_strategy="SPREAD").remote(1.0)
                        for _ in range(3)])
    assert len(set(nodes)) == 3


def test_node_affinity_hard_and_soft(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    assert colony.get(where.options(scheduling_strategy=on(worker)).remote()) == worker.node_id
    head_strategy = on(cluster.head_node)
    assert colony.get(where.options(scheduling_strategy=head_strategy).remote()) == \
        cluster.head_node.node_id

    unknown = NodeAffinitySchedulingStrategy("ab" * 16, soft=False)
    with pytest.raises(exceptions.TaskUnschedulableError, match="not in the cluster"):
        colony.get(where.options(scheduling_strategy=unknown).remote(), timeout=30)
    soft = NodeAffinitySchedulingStrategy("ab" * 16, soft=True)
    assert colony.get(where.options(scheduling_strategy=soft).remote(), timeout=30) in (
        cluster.head_node.node_id, worker.node_id)

    # More than the node has in total: hard cannot be met, soft goes elsewhere.
    big = on(worker)
    with pytest.raises(exceptions.TaskUnschedulableError, match="cannot fit"):
        colony.get(where.options(num_cpus=8, scheduling_strategy=big).remote(), timeout=30)


def test_actors_honour_node_affinity_and_spread(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()

    @colony.remote
    class Where:
        def node(self):
            return node_of_task()

    pinned = Where.options(scheduling_strategy=on(worker)).remote()
    assert colony.get(pinned.node.remote()) == worker.node_id
    spread = [Where.options(scheduling_strategy="SPREAD").remote() for _ in range(4)]
    assert len(set(colony.get([a.node.remote() for a in spread]))) == 2

    nowhere = Where.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy("cd" * 16, soft=False)).remote()
    with pytest.raises(exceptions.ActorDiedError, match="cannot be scheduled"):
        colony.get(nowhere.node.remote(), timeout=30)


def test_bad_scheduling_strategy_is_refused_at_once():
    with pytest.raises(ValueError, match="scheduling_strategy must be"):
        where.options(scheduling_strategy="EVERYWHERE")
    with pytest.raises(ValueError, match="32 hex digits"):
        NodeAffinitySchedulingStrategy("not-a-node", soft=False)


# ---------------------------------------------------------------- objects between nodes


def test_large_objects_move_between_nodes_both_ways(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    # Made on the worker node, read by the driver on the head.
    ref = make_array.options(scheduling_strategy=on(worker)).remote(BIG, 3)
    a = colony.get(ref)
    assert a.shape == (BIG,) and int(a.sum()) == 3 * BIG
    # Put by the driver, read by a task on the worker node.
    data = np.arange(BIG, dtype=np.int64)
    total, node = colony.get(array_sum.options(scheduling_strategy=on(worker)).remote(
        colony.put(data)))
    assert (total, node) == (int(data.sum()), worker.node_id)
    # A task on a third node reading what the second made (neither is the owner's node).
    third = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    total, node = colony.get(array_sum.options(scheduling_strategy=on(third)).remote(ref))
    assert (total, node) == (3 * BIG, third.node_id)


def test_many_readers_of_one_remote_object(cluster):
    worker = cluster.add_node(num_cpus=2)
    cluster.connect()
    cluster.wait_for_nodes()
    ref = make_array.options(scheduling_strategy=on(cluster.head_node)).remote(BIG, 1)
    colony.wait([ref])
    readers = [array_sum.options(scheduling_strategy=on(worker)).remote(ref) for _ in range(4)]
    assert [t for t, _ in colony.get(readers)] == [BIG] * 4


def test_wait_fetch_local_copies_the_value_here(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    from colony import _core
    ref = make_array.options(scheduling_strategy=on(worker)).remote(BIG, 7)
    colony.wait([ref], fetch_local=False)
    before = _core.store_stats()["used_bytes"]
    ready, _ = colony.wait([ref], fetch_local=True, timeout=30)
    assert ready == [ref]
    assert _core.store_stats()["used_bytes"] >= before + BIG * 8
    with pytest.raises(TypeError, match="fetch_local must be a bool"):
        colony.wait([ref], fetch_local="yes")


def test_freeing_an_object_frees_its_copy_on_the_other_node(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    pinned = store_used.options(scheduling_strategy=on(worker))
    baseline = colony.get(pinned.remote())
    ref = make_array.options(scheduling_strategy=on(worker)).remote(BIG, 1)
    colony.wait([ref], fetch_local=False)
    assert colony.get(pinned.remote()) >= baseline + BIG * 8
    del ref
    wait_until(lambda: colony.get(pinned.remote()) <= baseline, what="the remote copy to be freed")


def test_a_dead_drivers_copies_on_other_nodes_are_freed(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    pinned = store_used.options(scheduling_strategy=on(worker))
    baseline = colony.get(pinned.remote())
    script = f"""
import colony, numpy as np
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy
colony.init(address={cluster.address!r}, _token={cluster._token!r},
            _raylet_address={cluster.head_node.raylet_address!r})
@colony.remote(scheduling_strategy=NodeAffinitySchedulingStrategy({worker.node_id!r}, soft=False))
def make():
    return np.ones({BIG}, dtype=np.int64)
ref = make.remote()
colony.wait([ref], fetch_local=False)
import os; os._exit(0)   # no goodbye: the worker node's raylet must notice the owner left
"""
    import subprocess
    import sys
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    wait_until(lambda: colony.get(pinned.remote()) <= baseline,
               what="the dead driver's copy on the worker node to be freed")


def test_a_dead_drivers_leases_on_other_nodes_end(cluster):
    """A driver killed while its task runs on another node never returns that lease: the
    node's raylet watches lease holders and frees the CPU when one exits."""
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    script = f"""
import colony, time
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy
colony.init(address={cluster.address!r}, _token={cluster._token!r},
            _raylet_address={cluster.head_node.raylet_address!r})
@colony.remote(scheduling_strategy=NodeAffinitySchedulingStrategy({worker.node_id!r}, soft=False))
def started():
    return 1
@colony.remote(scheduling_strategy=NodeAffinitySchedulingStrategy({worker.node_id!r}, soft=False))
def hold():
    time.sleep(600)
colony.get(started.remote())
hold.remote()
time.sleep(1.0)          # hold() is running on the worker node
import os; os._exit(0)   # no goodbye, no lease returned
"""
    import subprocess
    import sys
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    # The worker node's only CPU comes back once its raylet sees the driver gone.
    assert colony.get(where.options(scheduling_strategy=on(worker)).remote(), timeout=30) == worker.node_id


# ---------------------------------------------------------------- failures


def kill_node(cluster, node):
    cluster.remove_node(node, allow_graceful=False)


def test_a_killed_node_is_declared_dead_within_the_timeout(cluster):
    worker = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    kill_node(cluster, worker)

    def dead():
        info = {n["NodeID"]: n for n in colony.nodes()}[worker.node_id]
        return not info["Alive"]

    # The cluster's timeout is 2 s; the wait only bounds a hang.
    wait_until(dead, timeout=30, what="the killed node to be declared dead")
    info = {n["NodeID"]: n for n in colony.nodes()}[worker.node_id]
    assert "health check" in info["DeathReason"]


def test_task_running_on_a_killed_node_is_retried_elsewhere(cluster, tmp_path):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    started = tmp_path / "started"

    @colony.remote(max_retries=2)
    def slow(path):
        if not os.path.exists(path):
            open(path, "w").close()
            time.sleep(60)  # the first attempt never finishes: its node dies
        return node_of_task()

    ref = slow.options(scheduling_strategy=on(victim, soft=True)).remote(str(started))
    wait_until(started.exists, what="the first attempt to start")
    kill_node(cluster, victim)
    assert colony.get(ref, timeout=60) == cluster.head_node.node_id


def test_task_without_retries_on_a_killed_node_fails(cluster, tmp_path):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    started = tmp_path / "started"

    @colony.remote(max_retries=0)
    def slow(path):
        open(path, "w").close()
        time.sleep(60)

    ref = slow.options(scheduling_strategy=on(victim)).remote(str(started))
    wait_until(started.exists, what="the task to start")
    kill_node(cluster, victim)
    with pytest.raises(exceptions.WorkerCrashedError):
        colony.get(ref, timeout=60)


def test_actor_on_a_killed_node_restarts_elsewhere(cluster):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()

    @colony.remote(max_restarts=1, max_task_retries=-1)
    class Counter:
        def __init__(self):
            self.n = 0

        def node(self):
            self.n += 1
            return node_of_task(), self.n

    counter = Counter.options(scheduling_strategy=on(victim, soft=True)).remote()
    assert colony.get(counter.node.remote()) == (victim.node_id, 1)
    kill_node(cluster, victim)
    node, n = colony.get(counter.node.remote(), timeout=60)
    assert node == cluster.head_node.node_id and n == 1  # a new instance

    once = Counter.options(max_restarts=0, scheduling_strategy=on(cluster.head_node)).remote()
    assert colony.get(once.node.remote())[1] == 1


def test_actor_without_restarts_on_a_killed_node_dies(cluster):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()

    @colony.remote(max_restarts=0)
    class Once:
        def node(self):
            return node_of_task()

    actor = Once.options(scheduling_strategy=on(victim)).remote()
    assert colony.get(actor.node.remote()) == victim.node_id
    kill_node(cluster, victim)
    with pytest.raises(exceptions.ActorDiedError):
        colony.get(actor.node.remote(), timeout=60)


def test_object_whose_only_copy_was_on_a_killed_node_is_reconstructed(cluster):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    ref = make_array.options(max_retries=1, scheduling_strategy=on(victim, soft=True)).remote(BIG, 5)
    colony.wait([ref], fetch_local=False)  # made, and held only on the victim
    kill_node(cluster, victim)
    a = colony.get(ref, timeout=60)
    assert int(a.sum()) == 5 * BIG


def test_object_lost_with_its_node_and_no_lineage_raises(cluster):
    victim = cluster.add_node(num_cpus=1)
    cluster.connect()
    cluster.wait_for_nodes()
    ref = make_array.options(max_retries=0, scheduling_strategy=on(victim)).remote(BIG, 5)
    colony.wait([ref], fetch_local=False)
    kill_node(cluster, victim)
    with pytest.raises(exceptions.ObjectLostError, match="cannot be reconstructed"):
        colony.get(ref, timeout=60)


# ---------------------------------------------------------------- separate network namespaces


def _ip(*args):
    import subprocess
    return subprocess.run(["ip", *args], capture_output=True, text=True)


@pytest.fixture
def netns():
    """A network namespace joined to this one by a veth pair: 10.231.0.1 here, 10.231.0.2
    there. Skips where namespaces cannot be made (no root, no CAP_NET_ADMIN)."""
    name, host_if, ns_if = f"colony{os.getpid()}", f"cvh{os.getpid()}", f"cvn{os.getpid()}"
    if _ip("netns", "add", name).returncode != 0:
        pytest.skip("ip netns is not available here")
    steps = [("link", "add", host_if, "type", "veth", "peer", "name", ns_if),
             ("link", "set", ns_if, "netns", name),
             ("addr", "add", "10.231.0.1/24", "dev", host_if),
             ("link", "set", host_if, "up"),
             ("netns", "exec", name, "ip", "addr", "add", "10.231.0.2/24", "dev", ns_if),
             ("netns", "exec", name, "ip", "link", "set", ns_if, "up"),
             ("netns", "exec", name, "ip", "link", "set", "lo", "up")]
    try:
        for step in steps:
            result = _ip(*step)
            if result.returncode != 0:
                pytest.skip(f"cannot set up a veth pair: ip {' '.join(step)}: {result.stderr}")
        yield name
    finally:
        _ip("link", "del", host_if)
        _ip("netns", "del", name)


def test_nodes_in_separate_network_namespaces(netns):
    with Cluster(head_node_args={"num_cpus": 1}, node_ip="10.231.0.1") as cluster:
        remote = cluster.add_node(num_cpus=1, _node_ip="10.231.0.2", _netns=netns)
        cluster.connect()
        cluster.wait_for_nodes()
        addresses = {n["NodeID"]: n["NodeManagerAddress"] for n in colony.nodes()}
        assert addresses == {cluster.head_node.node_id: "10.231.0.1", remote.node_id: "10.231.0.2"}
        # A task there, a large value made there and read here, and one sent there.
        ref = make_array.options(scheduling_strategy=on(remote)).remote(BIG, 2)
        assert int(colony.get(ref).sum()) == 2 * BIG
        total, node = colony.get(array_sum.options(scheduling_strategy=on(remote)).remote(
            colony.put(np.ones(BIG, dtype=np.int64))))
        assert (total, node) == (BIG, remote.node_id)

        # An actor in the other namespace: no local socket reaches it, calls go over gRPC
        # and still run in order.
        @colony.remote
        class Log:
            def __init__(self):
                self.items = []

            def add(self, item):
                self.items.append(item)
                return node_of_task()

            def items_(self):
                return self.items

        log = Log.options(scheduling_strategy=on(remote)).remote()
        assert set(colony.get([log.add.remote(i) for i in range(50)])) == {remote.node_id}
        assert colony.get(log.items_.remote()) == list(range(50))


def test_spread_threshold_zero_spreads_from_the_first_task():
    with Cluster(head_node_args={"num_cpus": 2}, scheduler_spread_threshold=0.0) as cluster:
        worker = cluster.add_node(num_cpus=2)
        cluster.connect()
        cluster.wait_for_nodes()
        nodes = colony.get([sleep_where.remote(1.0) for _ in range(2)])
        assert sorted(nodes) == sorted([cluster.head_node.node_id, worker.node_id])
    with pytest.raises(ValueError, match="between 0 and 1"):
        Cluster(scheduler_spread_threshold=2)
