"""Behaviours Ray users rely on: argument binding checked at .remote(), closures over large
objects refused, class attributes through the decorated name, base classes, max_calls."""

import collections
import os

import numpy as np
import pytest

import colony

pytestmark = pytest.mark.usefixtures("shared_cluster")


@colony.remote
def add(a, b=1):
    return a + b


class Base:
    GREETING = "hello"

    def greet(self, name):
        return f"{self.GREETING} {name}"


@colony.remote
class Greeter(Base):
    SUFFIX = "!"

    def __init__(self, prefix):
        self.prefix = prefix

    def shout(self, name):
        # The class attribute through the decorated name, and a base class's method.
        return self.prefix + self.greet(name) + Greeter.SUFFIX

    @staticmethod
    def static_twice(x):
        return 2 * x


def test_wrong_arguments_raise_type_error_at_the_call_site():
    with pytest.raises(TypeError, match="wrong arguments for add"):
        add.remote()
    with pytest.raises(TypeError, match="wrong arguments for add"):
        add.remote(1, 2, 3)
    with pytest.raises(TypeError, match="wrong arguments for Greeter"):
        Greeter.remote()
    g = Greeter.remote(">")
    with pytest.raises(TypeError, match=r"wrong arguments for Greeter.shout\(\)"):
        g.shout.remote()
    with pytest.raises(TypeError, match=r"wrong arguments for Greeter.shout\(\)"):
        g.shout.remote("a", "b")
    with pytest.raises(TypeError, match="unexpected keyword"):
        g.shout.remote("x", nom="y")
    assert colony.get(g.static_twice.remote(4)) == 8


def test_class_attributes_and_base_classes_work_inside_methods():
    g = Greeter.remote(">")
    assert colony.get(g.shout.remote("you"), timeout=30) == ">hello you!"
    assert Greeter.SUFFIX == "!" and Greeter.GREETING == "hello"


def test_a_function_closing_over_a_large_object_is_refused(monkeypatch):
    monkeypatch.setenv("COLONY_MAX_FUNCTION_BYTES", str(1 << 20))
    big = np.ones(300_000)  # 2.4 MB, above the lowered 1 MiB limit

    @colony.remote
    def total():
        return float(big.sum())

    with pytest.raises(ValueError, match="colony.put"):
        total.remote()
    ref = colony.put(big)

    @colony.remote
    def total_of(array):
        return float(array.sum())

    assert colony.get(total_of.remote(ref)) == 300_000.0


@colony.remote
def worker_pid():
    return os.getpid()


@pytest.mark.parametrize("max_calls", [1, 2])
def test_max_calls_recycles_the_worker(max_calls):
    pids = [colony.get(worker_pid.options(max_calls=max_calls).remote(), timeout=60)
            for _ in range(6)]
    runs_per_worker = collections.Counter(pids)
    assert max(runs_per_worker.values()) <= max_calls, runs_per_worker
    with pytest.raises(ValueError, match="max_calls"):
        worker_pid.options(max_calls=-1)


@colony.remote
class Splitter:
    @colony.method(num_returns=2)
    def halves(self, items):
        middle = len(items) // 2
        return items[:middle], items[middle:]

    def whole(self, items):
        return items


def test_colony_method_sets_a_methods_call_options():
    s = Splitter.remote()
    first, second = s.halves.remote([1, 2, 3, 4])
    assert colony.get([first, second]) == [[1, 2], [3, 4]]
    assert colony.get(s.whole.remote([5])) == [5]
    assert len(s.halves.options(num_returns=2).remote([1, 2])) == 2

    @colony.remote
    def through_a_copy(handles):  # the options travel with a pickled handle
        a, b = handles[0].halves.remote([7, 8])
        return colony.get([a, b])

    assert colony.get(through_a_copy.remote([s])) == [[7], [8]]
    with pytest.raises(ValueError, match="unknown actor method option"):
        colony.method(num_gpus=1)
