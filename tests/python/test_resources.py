"""Resource accounting: concurrency limits, fractional and custom resources, infeasible tasks."""

import os
import time

import pytest

import colony
from colony_testutil import max_overlap, wait_for

pytestmark = pytest.mark.usefixtures("resources_cluster")


@pytest.fixture(scope="module")
def resources_cluster():
    colony.init(num_cpus=2, num_gpus=1, resources={"custom": 1, "pair": 2})
    yield
    colony.shutdown()


@colony.remote
def interval(seconds):
    start = time.time()
    time.sleep(seconds)
    return start, time.time()


@colony.remote
def barrier(directory, name, expected, limit=15.0):
    """Waits until `expected` tasks have arrived; returns how many it saw and when."""
    open(os.path.join(directory, name), "w").close()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        seen = len(os.listdir(directory))
        if seen >= expected:
            return seen
        time.sleep(0.02)
    return len(os.listdir(directory))


@colony.remote
def hold_until(path, limit=20.0):
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.exists(path)


@colony.remote
def quick():
    return "done"


@pytest.fixture
def release(tmp_path):
    path = str(tmp_path / "release")
    yield path
    open(path, "w").close()
    # Let the held tasks finish and give their resources back before the next test.
    wait_for(lambda: colony.available_resources().get("CPU") == 2, timeout=20,
             what="CPUs to be released")


def _run_intervals(fn, n, seconds):
    start = time.time()
    intervals = colony.get([fn.remote(seconds) for _ in range(n)], timeout=60)
    return intervals, time.time() - start


def test_cpu_limits_concurrency():
    intervals, elapsed = _run_intervals(interval, 4, 1.0)
    assert len(intervals) == 4 and all(e - s >= 0.95 for s, e in intervals)
    assert max_overlap(intervals) <= 2, intervals
    assert elapsed >= 1.9, elapsed  # 4 one-second tasks on 2 CPUs take two rounds


def test_multi_cpu_task_limits_concurrency():
    intervals, elapsed = _run_intervals(interval.options(num_cpus=2), 3, 0.5)
    assert max_overlap(intervals) == 1, intervals
    assert elapsed >= 1.45


def test_custom_resource_limits_concurrency():
    intervals, elapsed = _run_intervals(interval.options(num_cpus=0, resources={"custom": 1}), 3, 0.6)
    assert max_overlap(intervals) == 1, intervals
    assert elapsed >= 1.75, elapsed


def test_custom_resource_with_capacity_two():
    f = interval.options(num_cpus=0.1, resources={"pair": 1})
    intervals, elapsed = _run_intervals(f, 4, 0.8)
    assert max_overlap(intervals) <= 2, intervals
    assert elapsed >= 1.55, elapsed


def test_gpu_limits_concurrency():
    intervals, _ = _run_intervals(interval.options(num_cpus=0, num_gpus=1), 2, 0.6)
    assert max_overlap(intervals) == 1, intervals


def test_memory_option_limits_concurrency():
    total = colony.cluster_resources()["memory"]
    assert total > 0
    f = interval.options(num_cpus=0.1, memory=int(total * 0.6))
    intervals, elapsed = _run_intervals(f, 2, 0.6)
    assert max_overlap(intervals) == 1, intervals
    assert elapsed >= 1.15, elapsed


def test_memory_option_beyond_the_node_is_infeasible():
    total = colony.cluster_resources()["memory"]
    ref = quick.options(memory=int(total * 2)).remote()
    ready, not_ready = colony.wait([ref], timeout=1.0)
    assert ready == [] and not_ready == [ref]


@pytest.mark.parametrize("options, n", [
    ({"num_cpus": 1}, 2),
    ({"num_cpus": 0.5}, 4),
    ({"num_cpus": 0.1, "resources": {"pair": 1}}, 2),
], ids=["2x1cpu", "4x0.5cpu", "2xpair"])
def test_tasks_that_fit_run_at_the_same_time(tmp_path, options, n):
    # Each task waits (up to 15 s) until all n have started: they only all see n if the
    # node really ran them at once.
    f = barrier.options(**options)
    seen = colony.get([f.remote(str(tmp_path), f"t{i}", n) for i in range(n)], timeout=30)
    assert seen == [n] * n


def test_fractional_cpus_still_capped():
    intervals, elapsed = _run_intervals(interval.options(num_cpus=0.5), 6, 1.0)
    assert max_overlap(intervals) <= 4, intervals
    assert elapsed >= 1.9, elapsed


def test_available_resources_drop_while_task_runs(release):
    total = colony.cluster_resources()
    assert total["CPU"] == 2 and total["custom"] == 1
    wait_for(lambda: colony.available_resources().get("CPU") == 2, what="idle cluster")
    ref = hold_until.options(num_cpus=1, resources={"custom": 1}).remote(release)
    avail = wait_for(lambda: (lambda a: a if a.get("CPU") == 1 else None)(
        colony.available_resources()), timeout=10, what="CPU to drop to 1")
    assert avail.get("custom", 0) == 0
    assert colony.cluster_resources()["CPU"] == 2  # totals do not change
    node = colony.nodes()[0]
    assert node["AvailableResources"]["CPU"] == 1 and node["Resources"]["CPU"] == 2
    open(release, "w").close()
    assert colony.get(ref, timeout=20) is True
    avail = wait_for(lambda: (lambda a: a if a.get("CPU") == 2 else None)(
        colony.available_resources()), timeout=10, what="CPU to come back")
    assert avail["custom"] == 1


def test_queued_tasks_run_when_resources_free_up(release):
    held = [hold_until.remote(release) for _ in range(2)]
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 0, timeout=10,
             what="both CPUs taken")
    queued = quick.remote()
    ready, _ = colony.wait([queued], timeout=1.0)
    assert ready == []  # no CPU for it yet
    open(release, "w").close()
    assert colony.get(queued, timeout=20) == "done"
    assert colony.get(held, timeout=20) == [True, True]


def test_zero_cpu_task_runs_while_cpus_are_taken(release):
    held = [hold_until.remote(release) for _ in range(2)]
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 0, timeout=10,
             what="both CPUs taken")
    assert colony.get(quick.options(num_cpus=0).remote(), timeout=20) == "done"
    open(release, "w").close()
    colony.get(held, timeout=20)


@pytest.mark.parametrize("options", [
    {"num_cpus": 64},
    {"resources": {"nope": 1}},
    {"num_gpus": 2},
    {"num_cpus": 1, "resources": {"custom": 2}},
], ids=["cpus", "unknown-resource", "gpus", "too-much-custom"])
def test_infeasible_task_stays_pending_and_warns_once(capfd, options):
    capfd.readouterr()
    ref = quick.options(**options).remote()
    ready, not_ready = colony.wait([ref], timeout=2.1)
    assert ready == [] and not_ready == [ref]
    # other work is not blocked by the infeasible task
    assert colony.get(quick.remote(), timeout=20) == "done"
    time.sleep(0.2)
    err = capfd.readouterr().err
    assert err.count("cannot run on any node") == 1, err
    assert "quick" in err
    with pytest.raises(colony.exceptions.GetTimeoutError):
        colony.get(ref, timeout=0.2)
