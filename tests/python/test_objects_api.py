"""colony.get / put / wait and ObjectRefs as task arguments."""

import os
import threading
import time

import pytest

import colony
from colony.exceptions import GetTimeoutError

pytestmark = pytest.mark.usefixtures("objects_cluster")


@pytest.fixture(scope="module")
def objects_cluster():
    colony.init(num_cpus=4)
    yield
    colony.shutdown()


@pytest.fixture
def gate(tmp_path):
    """A file that releases `blocked_until` tasks; opened at the end of every test."""
    path = str(tmp_path / "gate")
    yield path
    open(path, "w").close()


@colony.remote(num_cpus=0.25)
def blocked_until(path, value, limit=20.0):
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


@colony.remote(num_cpus=0.25)
def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


@colony.remote(num_cpus=0.25)
def identity(x):
    return x


@colony.remote(num_cpus=0.25)
def describe(x):
    return type(x).__name__, x


@colony.remote(num_cpus=0.25)
def describe_container(container):
    kinds = [type(r).__name__ for r in container]
    return kinds, colony.get(list(container))


@colony.remote(num_cpus=0.25)
def describe_dict(d):
    return {k: (type(v).__name__, colony.get(v)) for k, v in d.items()}


@colony.remote(num_cpus=0.25)
def add_all(*args, **kwargs):
    return sum(args) + sum(kwargs.values())


@colony.remote(num_cpus=0.25)
def put_inside():
    return [colony.put("made in a task")]


@colony.remote(num_cpus=0.25)
def sleep_then_stamp(seconds):
    time.sleep(seconds)
    return time.time()


@colony.remote(num_cpus=0.25)
def started_at(x):
    return time.time(), x


# ---------------------------------------------------------------- get / put

def test_get_single_list_and_tuple():
    refs = [identity.remote(i) for i in range(5)]
    assert colony.get(refs[2]) == 2
    assert colony.get(refs) == [0, 1, 2, 3, 4]
    assert colony.get(tuple(refs)) == [0, 1, 2, 3, 4]
    assert colony.get([]) == []
    # the same ref twice in one get
    assert colony.get([refs[0], refs[0]]) == [0, 0]


def test_get_rejects_non_refs():
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get(42)
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get("not a ref")
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get([colony.put(1), 2])
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get({colony.put(1)})


def test_put_values_round_trip():
    values = [0, -1, 3.5, "text", "", None, True, [1, [2, [3]]], {"k": (1, 2)}, {1, 2},
              b"", b"\x00" * 1000, bytearray(b"abc"), complex(1, 2), list(range(10000))]
    refs = [colony.put(v) for v in values]
    assert len({r.hex() for r in refs}) == len(values)
    assert colony.get(refs) == values
    # and through a task
    assert colony.get([identity.remote(v) for v in values]) == values


def test_put_large_object():
    data = os.urandom(20 * 1024 * 1024)
    ref = colony.put(data)
    out = colony.get(ref, timeout=30)
    assert out == data
    n = colony.get(describe.remote(ref), timeout=30)
    assert n[0] == "bytes" and n[1] == data


def test_put_of_object_ref_raises():
    ref = colony.put(1)
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.put(ref)


def test_put_unserializable_names_the_type():
    with pytest.raises(TypeError, match="lock"):
        colony.put(threading.Lock())


def test_object_ref_identity():
    a = colony.put(1)
    b = colony.put(1)
    assert a != b and a.hex() != b.hex()
    assert a == a and hash(a) == hash(a)
    assert isinstance(a.hex(), str) and len(a.hex()) > 0
    assert isinstance(a.binary(), bytes) and a.binary().hex() == a.hex()
    same = [r for r in [a, b] if r == a]
    assert same == [a] and same[0].hex() == a.hex()
    assert len({a, b, a}) == 2
    assert a.hex() in repr(a)


def test_get_timeout_raises_get_timeout_error(gate):
    ref = blocked_until.remote(gate, "late")
    start = time.monotonic()
    with pytest.raises(GetTimeoutError) as info:
        colony.get(ref, timeout=0.5)
    elapsed = time.monotonic() - start
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, colony.exceptions.ColonyError)
    assert 0.4 <= elapsed < 3.0, elapsed
    with pytest.raises(TimeoutError):
        colony.get([colony.put(1), ref], timeout=0)
    open(gate, "w").close()
    assert colony.get(ref, timeout=20) == "late"  # the object is still retrievable


def test_get_timeout_zero_on_ready_object():
    ref = colony.put("ready")
    assert colony.get(ref, timeout=0) == "ready"
    assert colony.get(ref, timeout=0.0) == "ready"


@pytest.mark.parametrize("bad", [-1, "1", True])
def test_get_rejects_bad_timeout(bad):
    with pytest.raises(ValueError, match="timeout"):
        colony.get(colony.put(1), timeout=bad)


def test_get_blocks_until_the_task_finishes():
    start = time.time()
    value = colony.get(sleep_then.remote(0.7, "v"), timeout=20)
    assert value == "v" and time.time() - start >= 0.65


# ---------------------------------------------------------------- wait

def test_wait_splits_ready_and_not_ready(gate):
    fast = [identity.remote(i) for i in range(3)]
    colony.get(fast)
    slow = [blocked_until.remote(gate, i) for i in range(2)]
    refs = [slow[0], fast[0], fast[1], slow[1], fast[2]]
    ready, not_ready = colony.wait(refs, num_returns=3, timeout=10)
    assert ready == [fast[0], fast[1], fast[2]]
    assert not_ready == [slow[0], slow[1]]
    # Asking for more than are ready: returns after the timeout with what is ready.
    start = time.monotonic()
    ready, not_ready = colony.wait(refs, num_returns=5, timeout=0.5)
    assert time.monotonic() - start < 3.0
    assert ready == [fast[0], fast[1], fast[2]] and not_ready == [slow[0], slow[1]]
    open(gate, "w").close()
    ready, not_ready = colony.wait(refs, num_returns=5, timeout=20)
    assert ready == refs and not_ready == []


def test_wait_preserves_input_order_and_num_returns():
    refs = [identity.remote(i) for i in range(6)]
    colony.get(refs)
    ready, not_ready = colony.wait(refs, num_returns=2)
    assert ready == refs[:2] and not_ready == refs[2:]
    ready, not_ready = colony.wait(list(reversed(refs)), num_returns=6)
    assert ready == list(reversed(refs)) and not_ready == []
    ready, not_ready = colony.wait(refs)  # default num_returns=1
    assert ready == refs[:1] and len(not_ready) == 5


def test_wait_returns_as_soon_as_enough_are_ready(gate):
    slow = blocked_until.remote(gate, "slow")
    quick = sleep_then.remote(0.3, "quick")
    start = time.monotonic()
    ready, not_ready = colony.wait([slow, quick], num_returns=1, timeout=15)
    elapsed = time.monotonic() - start
    assert ready == [quick] and not_ready == [slow]
    assert elapsed < 5.0, elapsed
    assert colony.get(quick) == "quick"


def test_wait_timeout_returns_early(gate):
    slow = [blocked_until.remote(gate, i) for i in range(2)]
    start = time.monotonic()
    ready, not_ready = colony.wait(slow, num_returns=1, timeout=0.5)
    elapsed = time.monotonic() - start
    assert ready == [] and not_ready == slow
    assert 0.4 <= elapsed < 3.0, elapsed
    ready, not_ready = colony.wait(slow, num_returns=2, timeout=0)
    assert ready == [] and not_ready == slow


def test_wait_num_returns_zero_returns_immediately(gate):
    slow = blocked_until.remote(gate, 0)
    start = time.monotonic()
    assert colony.wait([slow], num_returns=0) == ([], [slow])
    assert time.monotonic() - start < 2.0


@colony.remote(num_cpus=0.25)
def fails():
    raise RuntimeError("failed object")


def test_wait_counts_failed_tasks_as_ready(gate):
    bad = fails.remote()
    slow = blocked_until.remote(gate, 1)
    ready, not_ready = colony.wait([slow, bad], num_returns=1, timeout=15)
    assert ready == [bad] and not_ready == [slow]
    with pytest.raises(RuntimeError, match="failed object"):
        colony.get(bad)


def test_wait_validates_arguments():
    ref = colony.put(1)
    with pytest.raises(TypeError, match="list"):
        colony.wait(ref)
    with pytest.raises(TypeError):
        colony.wait([ref, "x"])
    with pytest.raises(ValueError, match="twice"):
        colony.wait([ref, ref])
    with pytest.raises(ValueError, match="num_returns"):
        colony.wait([ref], num_returns=2)
    with pytest.raises(ValueError, match="num_returns"):
        colony.wait([ref], num_returns=-1)
    with pytest.raises(ValueError, match="timeout"):
        colony.wait([ref], timeout=-1)


# ---------------------------------------------------------------- refs as arguments

def test_ref_arguments_are_resolved_before_the_task_runs():
    x = identity.remote(20)
    y = colony.put(22)
    assert colony.get(describe.remote(x)) == ("int", 20)
    assert colony.get(describe.remote(y)) == ("int", 22)
    assert colony.get(add_all.remote(x, y, z=identity.remote(100))) == 142


def test_task_waits_for_its_ref_argument():
    slow = sleep_then_stamp.remote(0.8)
    ref = started_at.remote(slow)
    started, slow_finished = colony.get(ref, timeout=20)
    assert isinstance(slow_finished, float)
    assert started >= slow_finished  # the dependent ran only once its argument was ready


def test_ref_argument_shared_by_many_tasks():
    big = colony.put(list(range(1000)))
    refs = [describe.remote(big) for _ in range(10)]
    for kind, value in colony.get(refs, timeout=30):
        assert kind == "list" and value == list(range(1000))


def test_refs_nested_in_containers_are_passed_as_refs():
    inner = [identity.remote(i) for i in range(3)] + [colony.put("p")]
    kinds, values = colony.get(describe_container.remote(inner), timeout=20)
    assert kinds == ["ObjectRef"] * 4
    assert values == [0, 1, 2, "p"]
    d = colony.get(describe_dict.remote({"a": identity.remote("A"), "b": colony.put(2)}))
    assert d == {"a": ("ObjectRef", "A"), "b": ("ObjectRef", 2)}


def test_nested_refs_inside_put_objects():
    inner = colony.put("deep")
    outer = colony.put({"ref": inner, "n": 1})
    value = colony.get(outer)
    assert isinstance(value["ref"], colony.ObjectRef) and value["n"] == 1
    assert colony.get(value["ref"]) == "deep"
    del inner  # the outer object keeps the inner one alive
    assert colony.get(value["ref"]) == "deep"


def test_task_can_return_refs():
    refs = colony.get(put_inside.remote(), timeout=20)
    assert len(refs) == 1 and isinstance(refs[0], colony.ObjectRef)
    assert colony.get(refs[0], timeout=20) == "made in a task"


@colony.remote
def value_after_file(path, value):
    while not os.path.exists(path):
        time.sleep(0.02)
    return value


@colony.remote
def fails_with(message):
    raise KeyError(message)


def test_ref_future_completes_when_the_value_arrives(tmp_path):
    release = str(tmp_path / "release")
    ref = value_after_file.remote(release, {"answer": 42})
    fut = ref.future()
    assert not fut.done()  # the task waits for the file: the future cannot be done yet
    open(release, "w").close()
    assert fut.result(timeout=30) == {"answer": 42}
    with pytest.raises(KeyError, match="missing"):
        fails_with.remote("missing").future().result(timeout=30)
    assert colony.put("here").future().result(timeout=30) == "here"


def test_await_ref_in_asyncio_code_and_in_an_async_actor():
    import asyncio

    @colony.remote
    class Summer:
        async def total(self, refs):
            return sum([await r for r in refs])

    async def driver_side():
        return await value_after_file.remote("/", 5)  # "/" exists: returns at once

    assert asyncio.run(driver_side()) == 5
    summer = Summer.remote()
    refs = [value_after_file.remote("/", i) for i in range(10)]
    assert colony.get(summer.total.remote(refs), timeout=30) == 45

    async def awaits_a_failure():
        with pytest.raises(KeyError, match="nope"):
            await fails_with.remote("nope")

    asyncio.run(awaits_a_failure())
