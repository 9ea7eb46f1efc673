"""Thread-hosted Java actors: one JVM hosts java_actors_per_worker actors, each with its
own worker identity; a JVM that dies takes its actors along and each restarts on its own."""

import os
import signal

import pytest

import colony
from colony import cross_language
from colony.exceptions import ActorDiedError
from colony_testutil import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def four_per_jvm(java_classes):
    colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[java_classes],
                                                        java_actors_per_worker=4))
    yield
    colony.shutdown()


def jvm_pids() -> set:
    import subprocess
    out = subprocess.run(["pgrep", "-f", "io.colony.runtime.WorkerMain"], capture_output=True,
                         text=True).stdout
    return {int(p) for p in out.split()}


def test_four_actors_share_one_jvm_and_keep_their_own_state(four_per_jvm):
    Counter = cross_language.java_actor_class("xlang.Counter")
    counters = [Counter.remote(i * 100) for i in range(4)]
    pids = colony.get([c.pid.remote() for c in counters])
    assert len(set(pids)) == 1
    assert colony.get([c.increment.remote(1) for c in counters]) == [1, 101, 201, 301]
    fifth = Counter.remote(0)  # the JVM is full: a second one starts
    assert colony.get(fifth.pid.remote()) not in pids


def test_killing_one_actor_leaves_the_others_running(four_per_jvm):
    Counter = cross_language.java_actor_class("xlang.Counter")
    counters = [Counter.remote(0) for _ in range(3)]
    [pid] = set(colony.get([c.pid.remote() for c in counters]))
    colony.kill(counters[0])
    with pytest.raises(ActorDiedError):
        colony.get(counters[0].get.remote(), timeout=30)
    assert colony.get([c.increment.remote(5) for c in counters[1:]]) == [5, 5]
    assert set(colony.get([c.pid.remote() for c in counters[1:]])) == {pid}


def test_a_dead_jvm_takes_its_actors_and_each_restarts_per_its_own_max_restarts(four_per_jvm):
    Counter = cross_language.java_actor_class("xlang.Counter")
    restartable = Counter.options(max_restarts=1).remote(7)
    mortal = Counter.options(max_restarts=0).remote(8)
    pids = set(colony.get([restartable.pid.remote(), mortal.pid.remote()]))
    assert len(pids) == 1
    os.kill(pids.pop(), signal.SIGKILL)
    new_pid = wait_for(lambda: _pid_or_none(restartable), timeout=60, what="the restart")
    assert new_pid not in pids
    assert colony.get(restartable.get.remote()) == 7  # constructor ran again
    with pytest.raises(ActorDiedError):
        colony.get(mortal.get.remote(), timeout=30)


def _pid_or_none(actor):
    try:
        return colony.get(actor.pid.remote(), timeout=10)
    except Exception:  # noqa: BLE001 - a call sent while it restarts fails (no task retries)
        return None


def test_an_actor_with_jvm_options_gets_a_jvm_of_its_own(four_per_jvm):
    Counter = cross_language.java_actor_class("xlang.Counter")
    shared = [Counter.remote(0) for _ in range(2)]
    own = Counter.options(jvm_options=["-Dcolony.test.flag=on"]).remote(0)
    shared_pids = set(colony.get([c.pid.remote() for c in shared]))
    assert len(shared_pids) == 1
    assert colony.get(own.pid.remote()) not in shared_pids
    assert colony.get(own.property.remote("colony.test.flag")) == "on"
    assert colony.get(shared[0].property.remote("colony.test.flag")) == ""
    with pytest.raises(TypeError, match="jvm_options"):
        Counter.options(jvm_options="-Xmx1g")
