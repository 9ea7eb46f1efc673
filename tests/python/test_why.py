"""`colony why` and err.cause_chain on the failures the suite provokes (docs/observability.md,
"Root cause"): a worker SIGKILLed under its task, a node lost under its task, an actor whose
restarts ran out, an actor whose owner died. Real clusters; the explanations are read
lazily from the GCS's task records and lifecycle events."""

import os
import signal
import subprocess
import sys

import pytest

import colony
from colony import exceptions
from colony.cluster_utils import Cluster
from colony.util import state
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from colony_testutil import PYTHON_DIR, wait_for


@colony.remote(max_retries=1)
def die():
    os.kill(os.getpid(), signal.SIGKILL)


@colony.remote(max_retries=0)
def hang(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    import time
    time.sleep(600)


@colony.remote(max_restarts=1)
class Fragile:
    def pid(self):
        return os.getpid()


@colony.remote
class Child:
    def ping(self):
        return "pong"


@colony.remote
class Parent:
    def __init__(self):
        self.child = Child.remote()

    def child_id(self):
        return self.child._actor_id.hex()

    def pid(self):
        return os.getpid()


def _explain_when(entity_id, *needles, timeout=60):
    """explain() once every needle is in its text (events arrive within a flush interval)."""
    def ready():
        try:
            lines = state.explain(entity_id)
        except ValueError:
            return None
        text = "\n".join(lines)
        return lines if all(n in text for n in needles) else None
    return wait_for(ready, timeout=timeout, what=f"an explanation naming {needles}")


@pytest.fixture
def cluster():
    c = Cluster(head_node_args={"num_cpus": 2}, health_check_timeout_ms=2000,
                metrics_agents=False)
    c.connect()
    yield c
    colony.shutdown()
    c.shutdown()


def test_a_killed_worker_after_every_retry(cluster):
    ref = die.remote()
    with pytest.raises(exceptions.WorkerCrashedError) as info:
        colony.get(ref, timeout=120)
    lines = _explain_when(ref.hex(), "failed after 2 attempts", "died under the task")
    text = "\n".join(lines)
    assert "task die failed after 2 attempts" in text
    head = cluster.head_node.node_id[:8]
    assert f"attempt 1: ran on node {head}" in text and f"attempt 2: ran on node {head}" in text
    assert text.count("died under the task") == 2  # each attempt's own worker
    # The exception carries the same explanation, fetched when first read.
    assert info.value.cause_chain == lines
    # And the command prints it.
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, COLONY_CLUSTER_TOKEN=cluster._token)
    proc = subprocess.run([sys.executable, "-m", "colony.scripts.cli", "why", ref.task_id(),
                           "--address", cluster.address], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "failed after 2 attempts" in proc.stdout


def test_a_lost_node(cluster, tmp_path):
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    marker = tmp_path / "pid"
    ref = hang.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
        worker.node_id, soft=False)).remote(str(marker))
    wait_for(lambda: marker.exists() and marker.read_text(), timeout=60, what="the task to run")
    cluster.remove_node(worker, allow_graceful=False)
    with pytest.raises(exceptions.WorkerCrashedError) as info:
        colony.get(ref, timeout=120)
    lines = _explain_when(ref.hex(), "missed health checks")
    text = "\n".join(lines)
    assert "task hang failed after 1 attempt" in text
    assert f"node {worker.node_id[:8]} was lost at" in text
    assert any("missed health checks" in line for line in info.value.cause_chain)


def test_an_actor_whose_restarts_ran_out(cluster):
    actor = Fragile.remote()
    for _ in range(2):  # the first kill uses its one restart, the second ends it
        pid = colony.get(actor.pid.remote(), timeout=60)
        os.kill(pid, signal.SIGKILL)
        if _ == 0:
            wait_for(lambda: state.get_actor(actor._actor_id.hex())["num_restarts"] == 1 and
                     state.get_actor(actor._actor_id.hex())["state"] == "ALIVE",
                     timeout=60, what="the actor's restart")
    actor_id = actor._actor_id.hex()
    lines = _explain_when(actor_id, "is DEAD", "incarnation 2", "then DEAD")
    text = "\n".join(lines)
    assert "actor Fragile" in text and "(WORKER_CRASHED) after 1 restart" in text
    assert text.count("killed by signal 9") == 2
    ref = actor.pid.remote()
    with pytest.raises(exceptions.ActorDiedError) as info:
        colony.get(ref, timeout=60)
    # The driver's own record of the call is flushed when the chain is first read.
    chain = info.value.cause_chain
    assert "task Fragile.pid failed after 1 attempt" in "\n".join(chain)
    assert any("actor Fragile" in line and "is DEAD" in line for line in chain)


def test_an_actor_whose_owner_died(cluster):
    parent = Parent.remote()
    child_id = colony.get(parent.child_id.remote(), timeout=60)
    wait_for(lambda: (state.get_actor(child_id) or {}).get("state") == "ALIVE", timeout=60,
             what="the child actor")
    os.kill(colony.get(parent.pid.remote(), timeout=60), signal.SIGKILL)
    lines = _explain_when(child_id, "OWNER_DIED", "its owner")
    text = "\n".join(lines)
    assert "actor Child" in text and "is DEAD (OWNER_DIED)" in text
    assert "its owner (worker" in text and "killed by signal 9" in text


def test_bad_ids_get_clear_errors(cluster):
    with pytest.raises(ValueError, match="not a hex id"):
        state.explain("not-an-id")
    with pytest.raises(ValueError, match="has 3 bytes"):
        state.explain("abcdef")
    with pytest.raises(ValueError, match="no task or actor"):
        state.explain("00" * 16)
