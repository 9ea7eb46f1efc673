"""A table of bad API input on a live cluster: each case fails with an error that names the
problem (never a crash or a hang), and the cluster still runs work after all of them. The Java
SDK's table is java/tests/.../cluster/BadInputTest.java."""

import threading

import pytest

import colony
from colony.exceptions import ObjectStoreFullError

STORE_BYTES = 1 << 30


@pytest.fixture(scope="module")
def small_store_cluster():
    colony.init(num_cpus=2, object_store_memory=STORE_BYTES)
    yield
    colony.shutdown()


@colony.remote
def echo(x=None):
    return x


@colony.remote
class Counter:
    def __init__(self):
        self.n = 0

    def incr(self):
        self.n += 1
        return self.n


def _three_gib():
    return b"\0" * (3 << 30)  # bytes go to the store as they are, without a pickled copy


CASES = [
    ("unserializable argument", TypeError, "lock",
     lambda: echo.remote(threading.Lock())),
    ("unserializable put", TypeError, "lock",
     lambda: colony.put(threading.Lock())),
    ("misspelled option", ValueError, "num_cpu_typo",
     lambda: echo.options(num_cpu_typo=1)),
    ("option of the wrong type", TypeError, "max_retries",
     lambda: echo.options(max_retries="3")),
    ("negative resource", ValueError, "num_gpus",
     lambda: echo.options(num_gpus=-1)),
    ("fractional GPUs above one", ValueError, "whole numbers",
     lambda: echo.options(num_gpus=1.5)),
    ("fractional custom resource above one", ValueError, r"resources\['disk'\]",
     lambda: echo.options(resources={"disk": 2.5})),
    ("infinite CPUs", ValueError, "finite",
     lambda: echo.options(num_cpus=float("inf"))),
    ("actor option of the wrong type", TypeError, "max_restarts",
     lambda: Counter.options(max_restarts="x")),
    ("unknown actor name", ValueError, "no_such_actor",
     lambda: colony.get_actor("no_such_actor")),
    ("method that does not exist", AttributeError, "no_such_method",
     lambda: Counter.remote().no_such_method.remote()),
    ("3 GiB put into a 1 GiB store", ObjectStoreFullError, "capacity 1073741824",
     lambda: colony.put(_three_gib())),
    ("3 GiB argument into a 1 GiB store", ObjectStoreFullError, "capacity 1073741824",
     lambda: echo.remote(_three_gib())),
]


@pytest.mark.parametrize("what, error, needle, action", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_an_error_naming_the_problem(small_store_cluster, what, error, needle,
                                                    action):
    with pytest.raises(error, match=needle):
        action()


def test_the_cluster_is_healthy_after_all_the_bad_input(small_store_cluster):
    for _, _, _, action in CASES:
        try:
            action()
        except Exception:
            pass
    counter = Counter.remote()
    assert colony.get(counter.incr.remote(), timeout=60) == 1
    assert colony.get(echo.remote(41), timeout=60) == 41
    big = colony.put(b"x" * (STORE_BYTES // 4))  # the store's space came back
    assert len(colony.get(echo.remote(big), timeout=60)) == STORE_BYTES // 4
