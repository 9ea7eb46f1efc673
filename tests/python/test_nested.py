"""Tasks that submit tasks: nesting, recursion, refs handed between tasks."""

import os
import time

import pytest

import colony

pytestmark = pytest.mark.usefixtures("nested_cluster")


@pytest.fixture(scope="module")
def nested_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@colony.remote
def leaf(x):
    return x * 10


@colony.remote
def parent(n):
    return colony.get([leaf.remote(i) for i in range(n)])


@colony.remote
def grandparent(n):
    return colony.get([parent.remote(i) for i in range(n)])


@colony.remote(num_cpus=1)
def fib(n):
    if n < 2:
        return n
    a, b = fib.remote(n - 1), fib.remote(n - 2)
    return colony.get(a) + colony.get(b)


@colony.remote(num_cpus=1)
def chain(depth):
    if depth == 0:
        return [os.getpid()]
    return colony.get(chain.remote(depth - 1)) + [os.getpid()]


@colony.remote
def ids_of_self_and_child():
    ctx = colony.get_runtime_context()
    child = colony.get(child_ids.remote())
    return {"job": ctx.get_job_id(), "task": ctx.get_task_id(), "child": child}


@colony.remote
def child_ids():
    ctx = colony.get_runtime_context()
    return {"job": ctx.get_job_id(), "task": ctx.get_task_id()}


@colony.remote
def put_and_pass():
    ref = colony.put(list(range(100)))
    return colony.get(total.remote(ref))


@colony.remote
def total(values):
    return sum(values)


@colony.remote
def sum_refs(refs):
    return sum(colony.get(refs))


@colony.remote
def fan_out_with_wait(n):
    refs = [slow_value.remote(i, 0.05 * (n - i)) for i in range(n)]
    done = []
    pending = refs
    while pending:
        ready, pending = colony.wait(pending, num_returns=1, timeout=20)
        done.extend(colony.get(ready))
    return sorted(done)


@colony.remote
def slow_value(v, seconds):
    time.sleep(seconds)
    return v


@colony.remote
def submit_and_forward_error():
    return colony.get(boom.remote())


@colony.remote
def boom():
    raise ZeroDivisionError("nested boom")


@colony.remote(max_retries=0)
def crashing_child():
    os._exit(1)


@colony.remote(max_retries=0)
def parent_of_crashing_child():
    return colony.get(crashing_child.remote(), timeout=30)


def test_crash_in_nested_task_reaches_the_driver():
    start = time.monotonic()
    with pytest.raises(colony.exceptions.WorkerCrashedError):
        colony.get(parent_of_crashing_child.remote(), timeout=40)
    assert time.monotonic() - start < 30


def test_task_submits_tasks():
    assert colony.get(parent.remote(5), timeout=30) == [0, 10, 20, 30, 40]


def test_two_levels_of_nesting():
    assert colony.get(grandparent.remote(4), timeout=30) == [[], [0], [0, 10], [0, 10, 20]]


def test_recursive_fib_does_not_deadlock():
    # Every fib task takes a whole CPU and blocks in get(): a blocked task must give its CPU
    # back or two of them would hold both CPUs forever.
    start = time.monotonic()
    assert colony.get(fib.remote(10), timeout=120) == 55
    assert time.monotonic() - start < 60


def test_deep_chain_of_blocked_tasks():
    pids = colony.get(chain.remote(6), timeout=60)
    assert len(pids) == 7
    assert len(set(pids)) == 7  # every level is blocked in its own worker


def test_nested_tasks_share_the_job_and_have_their_own_ids():
    info = colony.get(ids_of_self_and_child.remote(), timeout=30)
    driver = colony.get_runtime_context()
    assert info["job"] == info["child"]["job"] == driver.get_job_id()
    assert info["task"] and info["child"]["task"] and info["task"] != info["child"]["task"]


def test_task_puts_and_passes_refs_to_children():
    assert colony.get(put_and_pass.remote(), timeout=30) == sum(range(100))


def test_driver_refs_passed_into_nested_tasks():
    refs = [leaf.remote(i) for i in range(5)] + [colony.put(7)]
    assert colony.get(sum_refs.remote(refs), timeout=30) == sum(i * 10 for i in range(5)) + 7


def test_wait_inside_a_task():
    assert colony.get(fan_out_with_wait.remote(5), timeout=30) == [0, 1, 2, 3, 4]


def test_error_in_nested_task_reaches_the_driver():
    with pytest.raises(ZeroDivisionError) as info:
        colony.get(submit_and_forward_error.remote(), timeout=30)
    assert isinstance(info.value, colony.exceptions.TaskError)
    assert "nested boom" in str(info.value) and "boom" in str(info.value)


@colony.remote
def resources_from_task():
    return colony.cluster_resources(), [n["NodeID"] for n in colony.nodes()]


def test_cluster_resources_visible_from_a_task():
    resources, node_ids = colony.get(resources_from_task.remote(), timeout=30)
    assert resources["CPU"] == 2
    assert node_ids == [n["NodeID"] for n in colony.nodes()]


@colony.remote
def return_ref_chain(n):
    """Returns the ref of the task it submits: a chain of refs n levels deep."""
    if n == 0:
        return leaf.remote(7)
    return return_ref_chain.remote(n - 1)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_a_ref_returned_down_a_chain_of_tasks_stays_alive(depth):
    # Each level drops the previous ref as it follows the chain, as user code does.
    value = return_ref_chain.remote(depth)
    levels = 0
    while isinstance(value, colony.ObjectRef):
        value = colony.get(value, timeout=30)
        levels += 1
    assert (value, levels) == (70, depth + 2)
