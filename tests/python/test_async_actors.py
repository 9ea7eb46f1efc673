"""Async actors: calls run as coroutines on the actor's one event loop (no thread per call),
up to max_concurrency at once; and a blocked get in a driver answers Ctrl-C."""

import asyncio
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import colony
from colony.exceptions import TaskError


@pytest.fixture(scope="module")
def cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@colony.remote
class Gate:
    """Calls wait at the gate until `parties` have arrived; tracks how many ran at once."""

    def __init__(self, parties):
        self.parties = parties
        self.arrived = 0
        self.running = 0
        self.most_running = 0
        self.opened = asyncio.Event()

    async def enter(self, i):
        self.arrived += 1
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        if self.arrived >= self.parties:
            self.opened.set()
        await asyncio.wait_for(self.opened.wait(), timeout=30)
        self.running -= 1
        return i

    async def hold(self, seconds):
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await asyncio.sleep(seconds)
        self.running -= 1

    def most(self):  # a plain method of an async actor runs on the loop too
        return self.most_running

    async def total(self, array):
        return int(array.sum())

    async def fail(self):
        await asyncio.sleep(0)
        raise ValueError("no luck in a coroutine")


def test_a_thousand_calls_wait_together_on_one_loop(cluster):
    gate = Gate.remote(1000)
    refs = [gate.enter.remote(i) for i in range(1000)]
    assert colony.get(refs, timeout=60) == list(range(1000))
    assert colony.get(gate.most.remote()) == 1000


def test_more_than_a_thousand_calls_wait_together_when_max_concurrency_allows(cluster):
    # The caller keeps up to max_concurrency calls in flight (not a fixed 1000), so calls
    # that wait for each other all reach the actor.
    gate = Gate.options(max_concurrency=1200).remote(1100)
    refs = [gate.enter.remote(i) for i in range(1100)]
    assert colony.get(refs, timeout=90) == list(range(1100))
    assert colony.get(gate.most.remote()) == 1100


def test_max_concurrency_bounds_the_coroutines_in_progress(cluster):
    gate = Gate.options(max_concurrency=3).remote(10**9)
    colony.get([gate.hold.remote(0.05) for _ in range(12)], timeout=60)
    assert colony.get(gate.most.remote()) == 3


def test_ref_arguments_are_fetched_off_the_loop(cluster):
    gate = Gate.remote(1)
    big = colony.put(np.ones(1_000_000, dtype=np.int64))  # in shared memory: a ref argument
    assert colony.get(gate.total.remote(big), timeout=30) == 1_000_000
    assert colony.get(gate.total.remote(np.arange(10)), timeout=30) == 45


def test_a_coroutine_that_raises_fails_its_call_only(cluster):
    gate = Gate.remote(1)
    with pytest.raises(TaskError, match="no luck in a coroutine") as info:
        colony.get(gate.fail.remote(), timeout=30)
    assert isinstance(info.value.cause, ValueError)
    assert colony.get(gate.enter.remote(7), timeout=30) == 7


def test_ctrl_c_ends_a_blocked_get(tmp_path):
    script = textwrap.dedent("""
        import sys, time, colony
        colony.init(num_cpus=1)
        @colony.remote
        def forever():
            time.sleep(600)
        ref = forever.remote()
        print("waiting", flush=True)
        try:
            colony.get(ref)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        colony.shutdown()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "interrupted" in out
