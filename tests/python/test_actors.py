"""Actors against a real local cluster: lifecycle, ordering, restarts, concurrency, limits."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import colony
from colony.exceptions import ActorDiedError, PendingCallsLimitExceeded, TaskError


@colony.remote
class Counter:
    def __init__(self, start=0):
        self.value = start
        self.log = []

    def increment(self, by=1):
        self.value += by
        return self.value

    def append(self, item):
        self.log.append(item)
        return len(self.log)

    def get_log(self):
        return self.log

    def pid(self):
        return os.getpid()

    def sleep_then(self, seconds, value):
        time.sleep(seconds)
        return value


@pytest.fixture(scope="module")
def actor_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_state_persists_between_calls(actor_cluster):
    c = Counter.remote(10)
    assert colony.get(c.increment.remote()) == 11
    assert colony.get(c.increment.remote(5)) == 16
    assert colony.get(c.increment.remote(by=4)) == 20


def test_calls_from_one_handle_run_in_submission_order(actor_cluster):
    c = Counter.remote()
    refs = [c.append.remote(i) for i in range(300)]
    assert colony.get(refs) == list(range(1, 301))
    assert colony.get(c.get_log.remote()) == list(range(300))


def test_handles_can_be_passed_to_tasks_and_actors(actor_cluster):
    c = Counter.remote()

    @colony.remote
    def bump(counter, n):
        return colony.get([counter.increment.remote() for _ in range(n)])[-1]

    assert colony.get(bump.remote(c, 5)) == 5
    assert colony.get(bump.remote(c, 3)) == 8

    @colony.remote
    class Forwarder:
        def __init__(self, target):
            self.target = target

        def forward(self):
            return colony.get(self.target.increment.remote(100))

    f = Forwarder.remote(c)
    assert colony.get(f.forward.remote()) == 108


def test_named_actors_and_get_if_exists(actor_cluster):
    a = Counter.options(name="shared-counter").remote(1)
    colony.get(a.increment.remote())
    b = colony.get_actor("shared-counter")
    assert colony.get(b.increment.remote()) == 3
    with pytest.raises(ValueError, match="shared-counter"):
        Counter.options(name="shared-counter").remote()
    c = Counter.options(name="shared-counter", get_if_exists=True).remote()
    assert colony.get(c.increment.remote()) == 4
    with pytest.raises(ValueError, match="no-such-actor"):
        colony.get_actor("no-such-actor")
    d = Counter.options(name="shared-counter", namespace="other").remote(50)
    assert colony.get(d.increment.remote()) == 51
    assert colony.get(colony.get_actor("shared-counter", namespace="other").increment.remote()) == 52


def test_constructor_exception_surfaces_on_first_method_get(actor_cluster):
    @colony.remote
    class Broken:
        def __init__(self):
            raise ZeroDivisionError("bad constructor")

        def method(self):
            return 1

    b = Broken.remote()
    with pytest.raises(TaskError) as info:
        colony.get(b.method.remote(), timeout=20)
    assert isinstance(info.value, ZeroDivisionError)
    assert "bad constructor" in str(info.value)


def test_kill_without_restart_fails_later_calls(actor_cluster):
    c = Counter.remote()
    assert colony.get(c.increment.remote()) == 1
    colony.kill(c)
    with pytest.raises(ActorDiedError, match="killed"):
        colony.get(c.increment.remote(), timeout=20)


def test_calls_after_kill_returns_fail_without_running(actor_cluster, tmp_path):
    # Documented rule: once colony.kill() returns, the same caller's later calls fail with
    # ActorDiedError at once; none of them reaches the actor, however slow its death is.
    @colony.remote
    class Recorder:
        def record(self, path, item):
            with open(path, "a") as f:
                f.write(f"{item}\n")
            return item

    path = str(tmp_path / "calls")
    r = Recorder.remote()
    assert colony.get(r.record.remote(path, "before")) == "before"
    colony.kill(r)
    late = [r.record.remote(path, f"after {i}") for i in range(20)]
    for ref in late:
        with pytest.raises(ActorDiedError, match="killed") as info:
            colony.get(ref, timeout=20)
    with open(path) as f:
        assert f.read().split("\n")[:-1] == ["before"]


def test_crash_restarts_and_reruns_constructor(actor_cluster):
    c = Counter.options(max_restarts=1).remote(100)
    assert colony.get(c.increment.remote()) == 101
    pid = colony.get(c.pid.remote())
    os.kill(pid, signal.SIGKILL)
    # The first call after the crash may race the restart; it must end up on the new process.
    assert _wait_for(lambda: _try_pid(c) not in (None, pid))
    assert colony.get(c.increment.remote()) == 101  # constructor re-ran with its args
    new_pid = colony.get(c.pid.remote())
    os.kill(new_pid, signal.SIGKILL)  # no restarts left
    with pytest.raises(ActorDiedError, match="crashed|died"):
        for _ in range(50):
            colony.get(c.pid.remote(), timeout=20)
            time.sleep(0.1)


def _try_pid(handle):
    try:
        return colony.get(handle.pid.remote(), timeout=20)
    except ActorDiedError:
        return None


def test_a_restarted_parent_creates_its_child_actor_anew(actor_cluster):
    @colony.remote
    class Parent:
        def __init__(self):
            self.child = Counter.remote(5)  # owned by this process: dies with it

        def child_value(self):
            return colony.get(self.child.increment.remote(), timeout=30)

        def pid(self):
            return os.getpid()

    parent = Parent.options(max_restarts=1, max_task_retries=-1).remote()
    assert colony.get(parent.child_value.remote(), timeout=30) == 6
    pid = colony.get(parent.pid.remote())
    os.kill(pid, signal.SIGKILL)
    assert _wait_for(lambda: _try_pid(parent) not in (None, pid), timeout=60)
    # The constructor ran again: a new child, not the one that died with the old parent.
    assert colony.get(parent.child_value.remote(), timeout=30) == 6


def test_in_flight_call_is_retried_after_restart(actor_cluster):
    c = Counter.options(max_restarts=1, max_task_retries=1).remote()
    pid = colony.get(c.pid.remote())
    slow = c.sleep_then.remote(2.0, "done")
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    assert colony.get(slow, timeout=30) == "done"
    assert colony.get(c.pid.remote()) != pid


def test_in_flight_call_fails_without_task_retries(actor_cluster):
    c = Counter.remote()
    pid = colony.get(c.pid.remote())
    slow = c.sleep_then.remote(5.0, "never")
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ActorDiedError, match="crashed"):
        colony.get(slow, timeout=30)
    with pytest.raises(ActorDiedError):
        colony.get(c.increment.remote(), timeout=30)


def test_threaded_actor_runs_calls_concurrently(actor_cluster):
    @colony.remote
    class Rendezvous:
        def __init__(self, parties):
            self.barrier = threading.Barrier(parties, timeout=20)

        def meet(self, i):
            self.barrier.wait()  # only returns once all parties are inside at the same time
            return i

    r = Rendezvous.options(max_concurrency=4).remote(4)
    assert colony.get([r.meet.remote(i) for i in range(4)], timeout=60) == [0, 1, 2, 3]


def test_async_actor_runs_coroutines_concurrently(actor_cluster):
    @colony.remote
    class AsyncRendezvous:
        def __init__(self, parties):
            self.parties = parties
            self.arrived = 0

        async def meet(self, i):
            import asyncio
            self.arrived += 1
            # Every call waits here until all have arrived: a serial actor would time out.
            await asyncio.wait_for(self._all_arrived(), timeout=20)
            return i

        async def _all_arrived(self):
            import asyncio
            while self.arrived < self.parties:
                await asyncio.sleep(0.01)

    a = AsyncRendezvous.remote(8)
    assert colony.get([a.meet.remote(i) for i in range(8)], timeout=60) == list(range(8))


def test_max_pending_calls_rejects_at_once(actor_cluster):
    c = Counter.options(max_pending_calls=2).remote()
    first = c.sleep_then.remote(1.0, 1)
    second = c.sleep_then.remote(1.0, 2)
    with pytest.raises(PendingCallsLimitExceeded):
        c.sleep_then.remote(1.0, 3)
    assert colony.get([first, second]) == [1, 2]
    assert colony.get(c.increment.remote()) == 1  # room again once calls finish


def test_bad_actor_api_use_is_reported(actor_cluster):
    with pytest.raises(TypeError, match="remote"):
        Counter()
    with pytest.raises(ValueError, match="bogus"):
        Counter.options(bogus=1)
    with pytest.raises(ValueError, match="lifetime"):
        Counter.options(lifetime="forever")
    c = Counter.remote()
    with pytest.raises(AttributeError, match="no_such_method"):
        c.no_such_method.remote()
    with pytest.raises(TypeError, match="remote"):
        c.increment()
    with pytest.raises(TypeError, match="wrong arguments"):
        Counter.remote(1, 2, 3)


DRIVER = textwrap.dedent("""
    import colony
    colony.init(address="{address}", namespace="keepers")

    @colony.remote
    class Keeper:
        def ping(self):
            return "pong"

    d = Keeper.options(name="detached-keeper", lifetime="detached").remote()
    n = Keeper.options(name="owned-keeper").remote()
    assert colony.get([d.ping.remote(), n.ping.remote()]) == ["pong", "pong"]
    print("created")
""")


def test_detached_actor_outlives_its_driver_and_owned_one_dies(actor_cluster):
    from colony._private.worker import state
    env = dict(os.environ, COLONY_CLUSTER_TOKEN=state.node.token)
    out = subprocess.run([sys.executable, "-c", DRIVER.format(address=state.gcs_address)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert "created" in out.stdout, out.stderr
    # Another job's named actors are found in its namespace only (its own is anonymous).
    assert _lookup_fails("detached-keeper")
    keeper = colony.get_actor("detached-keeper", namespace="keepers")
    assert colony.get(keeper.ping.remote(), timeout=20) == "pong"
    assert _wait_for(lambda: _lookup_fails("owned-keeper", namespace="keepers"))
    colony.kill(keeper)


def _lookup_fails(name, namespace=None):
    try:
        colony.get_actor(name, namespace=namespace)
        return False
    except ValueError:
        return True
