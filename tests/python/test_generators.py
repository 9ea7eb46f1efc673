"""Streaming generators (num_returns="streaming"): items reach the caller as they are
yielded, with back-pressure, errors at the item where they happened, cancellation, and
retries; on tasks, sync actors and async actors."""

import asyncio
import os

import numpy as np
import pytest

import colony
from colony.exceptions import TaskCancelledError, TaskError
from colony_testutil import wait_for


@pytest.fixture(scope="module", autouse=True)
def generator_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


def _wait_for_file(path, timeout=60):
    wait_for(lambda: os.path.exists(path), timeout=timeout, what=f"{path} to exist")


@colony.remote(num_returns="streaming")
def count(n):
    for i in range(n):
        yield i


@colony.remote(num_returns="streaming")
def yield_then_wait(marker):
    yield "first"
    while not os.path.exists(marker):  # the caller creates it once it holds the first item
        os.sched_yield()
    yield "second"


@colony.remote(num_returns="streaming")
def fail_at_two():
    yield 0
    yield 1
    raise ValueError("broke at item 2")


@colony.remote(num_returns="streaming", _generator_backpressure_num_objects=1)
def paced(folder, n):
    for i in range(n):
        yield i
        # Resumed only once the caller took item i: it wrote taking_i before asking.
        with open(os.path.join(folder, "resumed"), "a") as f:
            f.write(f"{i} {os.path.exists(os.path.join(folder, f'taking_{i}'))}\n")


@colony.remote(num_returns="streaming")
def endless(folder):
    try:
        i = 0
        while True:
            yield i
            i += 1
    finally:
        open(os.path.join(folder, "closed"), "w").close()


@colony.remote(num_returns="streaming", max_retries=2)
def crash_once(folder):
    first = not os.path.exists(os.path.join(folder, "attempted"))
    open(os.path.join(folder, "attempted"), "a").close()
    yield 0
    yield 1
    if first:
        os._exit(1)
    yield 2


@colony.remote(num_returns="streaming")
def big_arrays(n):
    for i in range(n):
        yield np.full(1 << 18, i, dtype=np.int64)  # 2 MiB each: through the shared store


@colony.remote(num_returns="streaming")
def not_a_generator():
    return 5


@colony.remote
class Source:
    def __init__(self, words):
        self.words = words

    @colony.method(num_returns="streaming")
    def each(self):
        yield from self.words

    def upper(self):
        for w in self.words:
            yield w.upper()


@colony.remote
class AsyncSource:
    async def ticks(self, n):
        for i in range(n):
            await asyncio.sleep(0)
            yield i * 10


def test_items_arrive_in_order_then_the_stream_ends():
    gen = count.remote(5)
    assert isinstance(gen, colony.ObjectRefGenerator)
    assert [colony.get(ref, timeout=60) for ref in gen] == [0, 1, 2, 3, 4]
    assert colony.get(gen.completed(), timeout=60) == 5
    with pytest.raises(StopIteration):
        next(gen)


def test_an_item_is_available_before_the_generator_finishes(tmp_path):
    marker = tmp_path / "go"
    gen = yield_then_wait.remote(str(marker))
    assert colony.get(next(gen), timeout=60) == "first"  # while the task still waits
    marker.touch()
    assert colony.get(next(gen), timeout=60) == "second"
    assert list(gen) == []


def test_an_error_is_raised_at_the_item_where_it_happened():
    refs = list(fail_at_two.remote())
    assert len(refs) == 3
    assert [colony.get(r, timeout=60) for r in refs[:2]] == [0, 1]
    with pytest.raises(TaskError, match="broke at item 2") as info:
        colony.get(refs[2], timeout=60)
    assert isinstance(info.value, ValueError)


def test_back_pressure_pauses_the_generator_until_items_are_taken(tmp_path):
    gen = paced.remote(str(tmp_path), 4)
    got = []
    for i in range(4):
        (tmp_path / f"taking_{i}").touch()
        got.append(colony.get(next(gen), timeout=60))
    assert got == [0, 1, 2, 3]
    assert list(gen) == []
    lines = (tmp_path / "resumed").read_text().split()
    assert lines == ["0", "True", "1", "True", "2", "True", "3", "True"]


def test_timeout_on_next():
    gen = yield_then_wait.remote("/nonexistent/never")
    next(gen)
    with pytest.raises(colony.exceptions.GetTimeoutError):
        gen.next(timeout=0.2)
    colony.cancel(gen)


def test_cancel_stops_the_generator_and_fails_its_end(tmp_path):
    gen = endless.remote(str(tmp_path))
    assert colony.get(next(gen), timeout=60) == 0
    colony.cancel(gen)
    rest = list(gen)  # ends; its last item, if any, is the cancellation
    for ref in rest:
        with pytest.raises(TaskCancelledError):
            colony.get(ref, timeout=60)
    with pytest.raises(TaskCancelledError):
        colony.get(gen.completed(), timeout=60)
    _wait_for_file(str(tmp_path / "closed"))


def test_dropping_the_generator_stops_the_executor(tmp_path):
    gen = endless.options(_generator_backpressure_num_objects=2).remote(str(tmp_path))
    assert colony.get(next(gen), timeout=60) == 0
    del gen
    _wait_for_file(str(tmp_path / "closed"))


def test_a_crashed_attempt_is_retried_and_items_are_not_repeated(tmp_path):
    gen = crash_once.remote(str(tmp_path))
    assert [colony.get(r, timeout=60) for r in gen] == [0, 1, 2]


def test_large_items_go_through_the_shared_store():
    values = [colony.get(r, timeout=60) for r in big_arrays.remote(4)]
    assert [int(v[0]) for v in values] == [0, 1, 2, 3]
    assert all(v.nbytes == 1 << 21 for v in values)


def test_a_function_that_does_not_yield_fails_naming_the_option():
    refs = list(not_a_generator.remote())
    assert len(refs) == 1
    with pytest.raises(TaskError, match="num_returns='streaming'"):
        colony.get(refs[0], timeout=60)


def test_actor_methods_stream_by_decorator_or_option():
    source = Source.remote(["a", "b", "c"])
    assert [colony.get(r, timeout=60) for r in source.each.remote()] == ["a", "b", "c"]
    upper = source.upper.options(num_returns="streaming").remote()
    assert [colony.get(r, timeout=60) for r in upper] == ["A", "B", "C"]


def test_async_actor_generators_and_async_for():
    source = AsyncSource.remote()

    async def consume():
        out = []
        async for ref in source.ticks.options(num_returns="streaming").remote(4):
            out.append(await ref)
        return out

    assert asyncio.run(consume()) == [0, 10, 20, 30]


def test_bad_streaming_options_are_named():
    with pytest.raises(TypeError, match="num_returns"):
        count.options(num_returns="dynamic")
    with pytest.raises(ValueError, match="_generator_backpressure_num_objects"):
        count.options(_generator_backpressure_num_objects=-5)
