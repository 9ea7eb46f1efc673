"""colony.cancel(): queued, running and force-killed tasks."""

import os
import time

import pytest

import colony
from colony.exceptions import TaskCancelledError, TaskError, WorkerCrashedError
from colony_testutil import pid_alive, run_python, wait_for

pytestmark = pytest.mark.usefixtures("cancel_cluster")


@pytest.fixture(scope="module")
def cancel_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@pytest.fixture
def release(tmp_path):
    path = str(tmp_path / "release")
    yield path
    open(path, "w").close()
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 2, timeout=20,
             what="CPUs to be released after the test")


@colony.remote
def hold_until(path, limit=20.0):
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return "released"


@colony.remote
def mark_and_return(path, value):
    with open(path, "a") as f:
        f.write("ran\n")
    return value


@colony.remote
def sleep_loop(progress_path, seconds=20.0):
    """A long task that reports its pid, then ticks a progress file."""
    with open(progress_path, "a") as f:
        f.write(f"pid {os.getpid()}\n")
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        time.sleep(0.05)
        n += 1
        with open(progress_path, "a") as f:
            f.write(f"tick {n}\n")
    return "finished"


@colony.remote
def busy_loop(progress_path, seconds=20.0):
    """A pure-Python CPU loop (no sleeping)."""
    with open(progress_path, "a") as f:
        f.write(f"pid {os.getpid()}\n")
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


@colony.remote
def plus_one(x):
    return x + 1


@colony.remote
def pid():
    return os.getpid()


def _read(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def _started_pid(progress_path, timeout=20):
    line = wait_for(lambda: next((l for l in _read(progress_path) if l.startswith("pid ")), None),
                    timeout=timeout, what="the task to start")
    return int(line.split()[1])


def _fill_cpus(release):
    held = [hold_until.remote(release) for _ in range(2)]
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 0, timeout=15,
             what="both CPUs to be taken")
    return held


def test_cancel_queued_task(release, tmp_path):
    held = _fill_cpus(release)
    marker = str(tmp_path / "marker")
    queued = mark_and_return.remote(marker, "should not run")
    ready, _ = colony.wait([queued], timeout=0.5)
    assert ready == []
    colony.cancel(queued)
    start = time.monotonic()
    with pytest.raises(TaskCancelledError):
        colony.get(queued, timeout=10)
    assert time.monotonic() - start < 5
    open(release, "w").close()
    assert colony.get(held, timeout=20) == ["released", "released"]
    # the CPUs are free again and the cancelled task still never ran
    assert colony.get(plus_one.remote(1), timeout=20) == 2
    time.sleep(0.3)
    assert _read(marker) == []


def test_cancel_task_waiting_for_its_argument(release, tmp_path):
    marker = str(tmp_path / "marker")
    upstream = hold_until.remote(release)
    dependent = mark_and_return.remote(marker, upstream)
    time.sleep(0.3)
    colony.cancel(dependent)
    with pytest.raises(TaskCancelledError):
        colony.get(dependent, timeout=10)
    open(release, "w").close()
    assert colony.get(upstream, timeout=20) == "released"
    time.sleep(0.3)
    assert _read(marker) == []


def test_cancel_running_task(tmp_path):
    progress = str(tmp_path / "progress")
    ref = sleep_loop.remote(progress)
    worker_pid = _started_pid(progress)
    wait_for(lambda: len(_read(progress)) >= 3, what="a few ticks")
    start = time.monotonic()
    colony.cancel(ref)
    with pytest.raises(TaskCancelledError):
        colony.get(ref, timeout=10)
    assert time.monotonic() - start < 5
    # The task really stopped: no more ticks.
    time.sleep(0.3)
    ticks = len(_read(progress))
    time.sleep(0.5)
    assert len(_read(progress)) == ticks
    # A non-forced cancel keeps the worker process; the cluster keeps working.
    assert pid_alive(worker_pid)
    assert colony.get(plus_one.remote(41), timeout=20) == 42
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 2, timeout=10,
             what="the CPU of the cancelled task to be released")


def test_cancel_running_busy_loop(tmp_path):
    progress = str(tmp_path / "progress")
    ref = busy_loop.remote(progress)
    _started_pid(progress)
    time.sleep(0.2)
    colony.cancel(ref)
    with pytest.raises(TaskCancelledError):
        colony.get(ref, timeout=10)


def test_force_cancel_kills_the_worker(tmp_path):
    progress = str(tmp_path / "progress")
    ref = sleep_loop.options(max_retries=3).remote(progress)
    worker_pid = _started_pid(progress)
    colony.cancel(ref, force=True)
    with pytest.raises(TaskCancelledError) as info:
        colony.get(ref, timeout=10)
    assert not isinstance(info.value, WorkerCrashedError)
    wait_for(lambda: not pid_alive(worker_pid), timeout=10, what="the worker to die")
    # A forced cancel is not a crash: the task is not retried.
    time.sleep(1.0)
    assert sum(1 for l in _read(progress) if l.startswith("pid ")) == 1
    assert colony.get(pid.remote(), timeout=20) != worker_pid
    # the killed worker's CPU is given back
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 2, timeout=10,
             what="the CPU of the killed worker to be released")


@colony.remote
def parent_of_sleeper(child_progress, own_progress):
    """Submits a child task that ticks for 6 s, then ticks itself."""
    child = sleep_loop.remote(child_progress, 6.0)
    sleep_loop._function(own_progress, 30.0)
    return colony.get(child)


def _ticking(path, seconds=0.5):
    before = len(_read(path))
    time.sleep(seconds)
    return len(_read(path)) > before


@pytest.mark.parametrize("recursive", [True, False])
def test_cancel_reaches_the_tasks_a_task_submitted_unless_not_recursive(tmp_path, recursive):
    child_progress, own_progress = str(tmp_path / "child"), str(tmp_path / "parent")
    ref = parent_of_sleeper.remote(child_progress, own_progress)
    _started_pid(own_progress)
    _started_pid(child_progress)
    colony.cancel(ref, recursive=recursive)
    with pytest.raises(TaskCancelledError):
        colony.get(ref, timeout=10)
    time.sleep(0.3)
    assert _ticking(child_progress) is not recursive
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 2, timeout=40,
             what="both CPUs to be free again")


@colony.remote
def get_first(refs, progress_path):
    with open(progress_path, "a") as f:
        f.write(f"pid {os.getpid()}\n")
    return colony.get(refs[0])


def test_cancel_a_task_blocked_in_get(release, tmp_path):
    progress = str(tmp_path / "progress")
    held = hold_until.remote(release)  # not the waiter's child: only the wait is cancelled
    waiter = get_first.remote([held], progress)
    worker_pid = _started_pid(progress)
    time.sleep(0.3)
    start = time.monotonic()
    colony.cancel(waiter)
    with pytest.raises(TaskCancelledError):
        colony.get(waiter, timeout=10)
    assert time.monotonic() - start < 5
    assert pid_alive(worker_pid)
    open(release, "w").close()
    assert colony.get(held, timeout=20) == "released"
    assert colony.get(plus_one.remote(1), timeout=20) == 2  # the worker runs tasks again


def test_cancelled_error_propagates_to_dependents(tmp_path):
    progress = str(tmp_path / "progress")
    ref = sleep_loop.remote(progress)
    dependent = plus_one.remote(ref)
    _started_pid(progress)
    colony.cancel(ref)
    with pytest.raises(TaskCancelledError):
        colony.get(dependent, timeout=10)


def test_cancel_infeasible_task():
    ref = plus_one.options(num_cpus=64).remote(1)
    assert colony.wait([ref], timeout=0.5) == ([], [ref])
    colony.cancel(ref)
    with pytest.raises(TaskCancelledError):
        colony.get(ref, timeout=10)
    assert colony.wait([ref], timeout=5) == ([ref], [])


def test_cancel_finished_task_is_a_no_op():
    ref = plus_one.remote(1)
    assert colony.get(ref, timeout=20) == 2
    colony.cancel(ref)
    colony.cancel(ref, force=True)
    assert colony.get(ref, timeout=5) == 2


def test_cancel_put_object_is_harmless():
    ref = colony.put("value")
    colony.cancel(ref)
    assert colony.get(ref) == "value"


def test_cancelled_error_type():
    err = TaskCancelledError("x")
    assert isinstance(err, colony.exceptions.ColonyError) and not isinstance(err, TaskError)


# ---- actor calls

@colony.remote
class Log:
    """A sync actor: each call holds until `path` exists, then records its value."""

    def __init__(self):
        self.seen = []

    def hold(self, path, value):
        deadline = time.monotonic() + 20
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.seen.append(value)
        return value

    def add(self, value):
        self.seen.append(value)
        return value

    def seen_(self):
        return self.seen


def test_cancel_queued_actor_calls_skips_them_and_keeps_order(release):
    log = Log.remote()
    assert colony.get(log.add.remote("ready")) == "ready"
    running = log.hold.remote(release, "running")
    queued = [log.add.remote(i) for i in range(6)]
    time.sleep(0.3)  # `running` has started; the others wait behind it
    for ref in queued[1::2]:
        colony.cancel(ref)
    for ref in queued[1::2]:
        start = time.monotonic()
        with pytest.raises(TaskCancelledError):
            colony.get(ref, timeout=10)
        assert time.monotonic() - start < 5  # without waiting for the running call
    open(release, "w").close()
    assert colony.get(running) == "running"  # a sync actor's running call runs on
    assert colony.get(queued[0::2], timeout=20) == [0, 2, 4]
    assert colony.get(log.seen_.remote()) == ["ready", "running", 0, 2, 4]


def test_cancel_actor_call_not_sent_yet():
    # The actor is still being created (its constructor sleeps), so calls wait in the caller.
    @colony.remote
    class Slow:
        def __init__(self):
            time.sleep(1.0)

        def echo(self, x):
            return x

    slow = Slow.remote()
    refs = [slow.echo.remote(i) for i in range(4)]
    colony.cancel(refs[1])
    with pytest.raises(TaskCancelledError):
        colony.get(refs[1], timeout=0.5)  # at once, not after the constructor
    assert colony.get([refs[0], refs[2], refs[3]], timeout=20) == [0, 2, 3]
    assert colony.get(slow.echo.remote("after"), timeout=20) == "after"


def test_cancel_running_async_actor_call_cancels_its_coroutine():
    @colony.remote
    class Sleeper:
        def __init__(self):
            self.cancelled = 0
            self.started = 0

        async def sleep(self, seconds):
            import asyncio
            self.started += 1
            try:
                await asyncio.sleep(seconds)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            return "slept"

        async def cancelled_(self):
            return self.cancelled

        async def started_(self):
            return self.started

    sleeper = Sleeper.remote()
    long = sleeper.sleep.remote(300)  # ends only if cancelled (the get below waits 60 s)
    short = sleeper.sleep.remote(0.2)
    # Cancel once the coroutine runs (a call cancelled before it starts never runs at all).
    wait_for(lambda: colony.get(sleeper.started_.remote()) >= 2, timeout=60,
             what="the long call to start")
    colony.cancel(long)
    with pytest.raises(TaskCancelledError):
        colony.get(long, timeout=60)
    assert colony.get(short) == "slept"
    assert colony.get(sleeper.cancelled_.remote()) == 1


def test_force_cancel_of_an_actor_call_is_refused():
    log = Log.remote()
    ref = log.add.remote(1)
    with pytest.raises(ValueError, match="force=True cannot cancel an actor call"):
        colony.cancel(ref, force=True)
    assert colony.get(ref) == 1
    colony.cancel(ref)  # finished: a no-op
    assert colony.get(ref) == 1


def test_a_sync_actors_running_call_keeps_its_children(release, tmp_path):
    @colony.remote
    class Parent:
        def run(self, path, started):
            child = hold_until.remote(path)
            open(started, "w").close()
            return colony.get(child)

    started = str(tmp_path / "started")
    parent = Parent.remote()
    ref = parent.run.remote(release, started)
    wait_for(lambda: os.path.exists(started), timeout=20, what="the call to start")
    colony.cancel(ref)  # recursive, but the call runs on: so does its child
    time.sleep(0.5)
    open(release, "w").close()
    assert colony.get(ref, timeout=20) == "released"


@colony.remote
def combine(a, b):
    return a + b


@colony.remote
def make_held(path):
    """Returns a ref this worker owns to a task that holds until `path` exists."""
    return [hold_until.remote(path, 60.0)]


@colony.remote
def cancel_ref(refs, force):
    colony.cancel(refs[0], force=force)
    return "sent"


@pytest.mark.parametrize("force", [False, True])
def test_cancelling_a_borrowed_ref_asks_its_owner(release, force):
    # The ref is owned by the worker that submitted the task; the driver only borrows it.
    owner_task = make_held.remote(release)
    [borrowed] = colony.get(owner_task)
    colony.cancel(borrowed, force=force)
    with pytest.raises(TaskCancelledError):
        colony.get(borrowed, timeout=30)


@pytest.mark.parametrize("force", [False, True])
def test_a_task_cancelling_the_drivers_ref_fails_its_dependents(release, force):
    held = hold_until.remote(release, 60.0)
    dependent = combine.remote(held, 1)
    assert colony.get(cancel_ref.remote([held], force), timeout=30) == "sent"
    with pytest.raises(TaskCancelledError):
        colony.get(held, timeout=30)
    with pytest.raises(TaskCancelledError):
        colony.get(dependent, timeout=30)


SHUTDOWN_AFTER_CANCELS = """
import os, time
import colony

colony.init(num_cpus=2)

@colony.remote
def forever(path):
    while not os.path.exists(path):
        time.sleep(0.05)
    return 1

@colony.remote
def reader(refs):
    return colony.get(refs[0])  # a borrower's long poll on the driver, never answered

gate = os.path.join({folder!r}, "never")
a = forever.remote(gate)
b = reader.remote([a])
colony.wait([b], timeout=1)
colony.cancel(b, force=True)
queued = [forever.remote(gate) for _ in range(5)]
for r in queued:
    colony.cancel(r)
colony.shutdown()
print("SHUT DOWN")
"""


def test_shutdown_returns_with_cancelled_tasks_and_calls_in_flight(tmp_path):
    """Issue 22: shutdown ends in bounded time whatever is in flight (cancelled tasks, a
    force-killed borrower, a long poll on the driver's server that nobody will answer).
    A hang fails the test through the subprocess timeout."""
    result = run_python(SHUTDOWN_AFTER_CANCELS.format(folder=str(tmp_path)), timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "SHUT DOWN" in result.stdout

