"""Actor concurrency groups: each named group runs its calls with its own concurrency
(threads for a threaded actor, running coroutines for an async one), apart from the
default group, as in Ray."""

import asyncio
import threading

import pytest

import colony
from colony_testutil import wait_for


@pytest.fixture(scope="module", autouse=True)
def groups_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@colony.remote(concurrency_groups={"io": 2})
class Threaded:
    def __init__(self):
        self.entered = 0
        self.lock = threading.Lock()
        self.release_event = threading.Event()

    @colony.method(concurrency_group="io")
    def block(self):
        with self.lock:
            self.entered += 1
        return self.release_event.wait(timeout=120)

    def how_many_entered(self):  # the default group: its own thread
        with self.lock:
            return self.entered

    def release(self):
        self.release_event.set()

    def thread_name(self):
        return threading.current_thread().name


@colony.remote(concurrency_groups={"io": 1})
class Async:
    def __init__(self):
        self.running = {"io": 0, "default": 0}
        self.peak = {"io": 0, "default": 0}
        self.go = None

    async def _enter(self, group):
        self.running[group] += 1
        self.peak[group] = max(self.peak[group], self.running[group])

    @colony.method(concurrency_group="io")
    async def io_call(self):
        await self._enter("io")
        await asyncio.sleep(0.05)
        self.running["io"] -= 1

    async def wait_for_go(self):
        await self._enter("default")
        if self.go is None:
            self.go = asyncio.Event()
        await self.go.wait()
        self.running["default"] -= 1

    async def set_go(self):
        if self.go is None:
            self.go = asyncio.Event()
        self.go.set()

    async def peaks(self):
        return dict(self.peak)


def test_a_group_runs_its_calls_apart_from_the_default_group():
    actor = Threaded.remote()
    first, second = actor.block.remote(), actor.block.remote()
    # Both io calls are in (the group has two threads) and the default group still
    # answers while they block.
    wait_for(lambda: colony.get(actor.how_many_entered.remote(), timeout=60) == 2,
             timeout=60, what="both io calls to start")
    colony.get(actor.release.remote(), timeout=60)
    assert colony.get([first, second], timeout=60) == [True, True]


def test_the_group_can_be_chosen_per_call():
    actor = Threaded.remote()
    default_thread = colony.get(actor.thread_name.remote(), timeout=60)
    io_thread = colony.get(actor.thread_name.options(concurrency_group="io").remote(), timeout=60)
    assert default_thread != io_thread


def test_an_async_actors_group_limits_its_running_coroutines():
    actor = Async.remote()
    blocked = [actor.wait_for_go.remote() for _ in range(3)]
    ios = [actor.io_call.remote() for _ in range(6)]
    colony.get(ios, timeout=60)  # the io group ran while three default calls waited
    colony.get(actor.set_go.remote(), timeout=60)
    colony.get(blocked, timeout=60)
    peaks = colony.get(actor.peaks.remote(), timeout=60)
    assert peaks["io"] == 1
    assert peaks["default"] == 3


def test_undeclared_groups_are_named():
    @colony.remote
    class Undeclared:
        @colony.method(concurrency_group="io")
        def f(self):
            return 1

    with pytest.raises(ValueError, match="'io'"):
        Undeclared.remote()
    actor = Threaded.remote()
    with pytest.raises(ValueError, match="'nope'"):
        actor.thread_name.options(concurrency_group="nope").remote()


@pytest.mark.parametrize("groups, error, needle", [
    (["io"], TypeError, "concurrency_groups must be a dict"),
    ({"io": 0}, ValueError, "concurrency_groups\\['io'\\]"),
    ({"io": "2"}, TypeError, "concurrency_groups\\['io'\\]"),
    ({"": 1}, TypeError, "non-empty"),
])
def test_bad_concurrency_groups_are_named(groups, error, needle):
    with pytest.raises(error, match=needle):
        Threaded.options(concurrency_groups=groups)
