"""Worker isolation on real clusters (docs/isolation.md): each worker in a cgroup of its own
with its lease's CPU quota and memory limit, OOM kills that fail the task with
OutOfMemoryError and leave the node healthy, `--worker-isolation off`, and the cleanup of a
node's cgroups. The cgroup checks need writable cgroups (root on a machine that mounts
cgroup v1 or a v2 with cpu and memory); elsewhere the raylet says isolation is off and
those tests skip, saying why."""

import os
import re
import time

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.exceptions import OutOfMemoryError, WorkerCrashedError

DEADLINE = 90
MB = 1 << 20


def _raylet_log(node) -> str:
    path = os.path.join(node.processes.session_dir, "logs", "raylet.log")
    with open(path, errors="replace") as f:
        return f.read()


def _wait_for(predicate, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _isolation_line(node) -> str:
    """The raylet's one line about isolation: which kind, or off and why."""
    def line():
        for text in _raylet_log(node).splitlines():
            if "worker isolation" in text:
                return text
        return ""
    return _wait_for(line, "the raylet's isolation line")


def _cgroup_dirs(pid: int) -> dict:
    """controller ("cpu", "memory", or "" for v2) -> the folder of pid's cgroup."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            fstype, options = fields[dash + 1], fields[dash + 3].split(",")
            if fstype == "cgroup2":
                mounts.setdefault("", (fields[3], fields[4]))
            elif fstype == "cgroup":
                for c in ("cpu", "memory"):
                    if c in options:
                        mounts.setdefault(c, (fields[3], fields[4]))
    dirs = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in (controllers.split(",") if controllers else [""]):
                if c in mounts:
                    root, mount = mounts[c]
                    if root != "/" and path.startswith(root):
                        path = path[len(root):]
                    dirs[c] = mount + path.rstrip("/")
    return dirs


def _read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


@colony.remote
def where():
    return os.getpid()


@pytest.fixture
def isolated():
    cluster = Cluster(initialize_head=False)
    node = cluster.add_node(num_cpus=2, memory=4 << 30)
    line = _isolation_line(node)
    if "worker isolation is off" in line:
        cluster.shutdown()
        pytest.skip(f"cgroups are not usable here: {line}")
    cluster.connect()
    try:
        yield cluster, node, line
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_a_worker_runs_in_its_own_cgroup_limited_by_its_lease(isolated):
    cluster, node, line = isolated
    kind = "cgroupv2" if "cgroupv2" in line else "cgroupv1"
    pid = colony.get(where.options(num_cpus=1, memory=300 * MB).remote(), timeout=DEADLINE)
    dirs = _cgroup_dirs(pid)
    expected_tail = f"colony-node-{node.node_id}/worker-{pid}"
    if kind == "cgroupv1":
        cpu, mem = dirs["cpu"], dirs["memory"]
        assert cpu.endswith(expected_tail) and mem.endswith(expected_tail), dirs
        assert _read(f"{cpu}/cpu.cfs_period_us") == "100000"
        assert _read(f"{cpu}/cpu.cfs_quota_us") == "100000"
        assert int(_read(f"{mem}/memory.limit_in_bytes")) == 300 * MB
        assert _read(f"{cpu}/cgroup.procs").split() == [str(pid)]
    else:
        d = dirs[""]
        assert d.endswith(expected_tail), dirs
        assert _read(f"{d}/cpu.max") == "100000 100000"
        assert int(_read(f"{d}/memory.max")) == 300 * MB

    # The same worker serves the next lease with that lease's limits: half a CPU, no memory
    # limit (a worker is reused when its process is idle; wait for one with our pid).
    def reused():
        p = colony.get(where.options(num_cpus=0.5).remote(), timeout=DEADLINE)
        return p if p == pid else None
    _wait_for(reused, "the idle worker to be reused")
    if kind == "cgroupv1":
        assert _read(f"{dirs['cpu']}/cpu.cfs_quota_us") == "50000"
        assert int(_read(f"{dirs['memory']}/memory.limit_in_bytes")) > 1 << 60  # unlimited
    else:
        assert _read(f"{dirs['']}/cpu.max") == "50000 100000"
        assert _read(f"{dirs['']}/memory.max") == "max"


@colony.remote(max_retries=0)
def hog(megabytes):
    chunks = []
    for _ in range(megabytes):
        chunks.append(b"x" * MB)  # written, so resident
    return len(chunks)


def test_a_task_over_its_memory_limit_fails_with_out_of_memory_and_the_node_lives_on(isolated):
    cluster, node, _ = isolated
    limit = 200 * MB
    with pytest.raises(OutOfMemoryError) as info:
        colony.get(hog.options(memory=limit).remote(1024), timeout=DEADLINE)
    message = str(info.value)
    assert f"memory= limit of {limit} bytes" in message, message
    assert node.node_id in message, message
    assert isinstance(info.value, WorkerCrashedError)  # a kind of worker death
    # The node is fine: the next tasks run there, one using memory within its limit.
    assert colony.get(hog.options(memory=limit).remote(50), timeout=DEADLINE) == 50
    assert colony.get(where.remote(), timeout=DEADLINE) > 0
    assert colony.nodes()[0]["Alive"]


def test_an_oom_killed_task_is_retried_as_max_retries_says(isolated, tmp_path):
    marker = str(tmp_path / "attempts")

    @colony.remote(max_retries=2, memory=200 * MB)
    def first_attempt_hogs(path):
        with open(path, "a") as f:
            f.write("x")
        with open(path) as f:
            attempts = len(f.read())
        if attempts == 1:
            hog_memory = [b"x" * MB for _ in range(1024)]
            return len(hog_memory)
        return attempts

    assert colony.get(first_attempt_hogs.remote(marker), timeout=DEADLINE) == 2


def test_a_nodes_cgroups_go_when_its_workers_and_the_node_end():
    cluster = Cluster(initialize_head=False)
    node = cluster.add_node(num_cpus=1)
    line = _isolation_line(node)
    if "worker isolation is off" in line:
        cluster.shutdown()
        pytest.skip(f"cgroups are not usable here: {line}")
    cluster.connect()
    try:
        pid = colony.get(where.options(num_cpus=1).remote(), timeout=DEADLINE)
        dirs = _cgroup_dirs(pid)
        parents = {c: os.path.dirname(d) for c, d in dirs.items() if "colony-node-" in d}
        assert parents, dirs
    finally:
        colony.shutdown()
        cluster.shutdown()
    for d in list(dirs.values()) + list(parents.values()):
        if "colony-node-" in d:
            assert not os.path.exists(d), f"{d} outlived the node"


def test_isolation_off_says_so_once_and_runs_tasks_without_cgroups():
    cluster = Cluster(initialize_head=False)
    node = cluster.add_node(num_cpus=1, worker_isolation="off")
    cluster.connect()
    try:
        pid = colony.get(where.options(memory=100 * MB).remote(), timeout=DEADLINE)
        assert colony.get(where.remote(), timeout=DEADLINE) > 0
        with open(f"/proc/{pid}/cgroup") as f:
            assert "colony-node-" not in f.read()
        log = _raylet_log(node)
        assert len(re.findall(r"worker isolation is off", log)) == 1, log
        assert "--worker-isolation off" in log
    finally:
        colony.shutdown()
        cluster.shutdown()


def test_a_bad_isolation_mode_is_refused_by_name(tmp_path):
    from colony._private import node as node_mod
    processes = node_mod.NodeProcesses(session_dir=str(tmp_path), token="t")
    with pytest.raises(ValueError, match="worker_isolation must be one of auto, cgroupv1"):
        processes.start_raylet(worker_isolation="cgroup3")


def test_an_actor_over_its_memory_limit_dies_saying_so(isolated):
    @colony.remote(memory=200 * MB)
    class Hog:
        def eat(self, megabytes):
            chunks = [b"x" * MB for _ in range(megabytes)]
            return len(chunks)

    hog_actor = Hog.remote()
    assert colony.get(hog_actor.eat.remote(10), timeout=DEADLINE) == 10
    with pytest.raises(colony.exceptions.ActorDiedError) as info:
        colony.get(hog_actor.eat.remote(1024), timeout=DEADLINE)
    assert f"memory= limit of {200 * MB} bytes" in str(info.value), str(info.value)
    assert colony.get(where.remote(), timeout=DEADLINE) > 0  # the node lives on
