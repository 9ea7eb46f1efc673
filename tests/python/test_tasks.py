import time

import pytest

import colony


@colony.remote
def square(x):
    return x * x


@colony.remote
def add(a, b=10):
    return a + b


def test_task_round_trip(shared_cluster):
    assert colony.get(square.remote(7)) == 49
    assert colony.get([square.remote(i) for i in range(10)]) == [i * i for i in range(10)]


def test_kwargs_and_defaults(shared_cluster):
    assert colony.get(add.remote(1)) == 11
    assert colony.get(add.remote(1, b=2)) == 3


def test_put_get(shared_cluster):
    ref = colony.put({"a": [1, 2, 3]})
    assert colony.get(ref) == {"a": [1, 2, 3]}
    assert colony.get(colony.put(b"raw bytes")) == b"raw bytes"
