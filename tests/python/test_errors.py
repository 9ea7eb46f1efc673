"""Task failures, worker crashes, retries, and errors from misusing the API."""

import os
import signal
import sys
import threading
import time

import pytest

import colony
from colony.exceptions import ColonyError, TaskError, WorkerCrashedError
from colony_testutil import wait_for

pytestmark = pytest.mark.usefixtures("errors_cluster")


@pytest.fixture(scope="module")
def errors_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


class MyError(Exception):
    """A custom exception class defined in the test module."""

    def __init__(self, message, code=0):
        super().__init__(message, code)
        self.code = code


class MyValueError(ValueError):
    pass


def _record_attempt(path):
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")


def attempts(path):
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return len(f.read().splitlines())


@colony.remote
def raise_value_error(msg):
    raise ValueError(msg)


@colony.remote
def raise_my_error(msg, code):
    raise MyError(msg, code=code)


@colony.remote
def raise_my_value_error():
    raise MyValueError("subclass")


@colony.remote
def plus_one(x):
    return x + 1


@colony.remote
def middle_layer(x):
    return colony.get(raise_value_error.remote(f"inner {x}"))


@colony.remote
def crash(path, how):
    _record_attempt(path)
    if how == "exit":
        os._exit(1)
    os.kill(os.getpid(), signal.SIGKILL)


@colony.remote
def crash_first_n(path, n):
    _record_attempt(path)
    if attempts(path) <= n:
        os._exit(1)
    return "survived"


@colony.remote
def fail_first_n(path, n, exc_type):
    _record_attempt(path)
    if attempts(path) <= n:
        raise exc_type(f"attempt {attempts(path)}")
    return f"ok after {attempts(path)}"


@colony.remote
def always_fail(path, exc_type):
    _record_attempt(path)
    raise exc_type("always")


@colony.remote
def returns_unpicklable():
    return threading.Lock()


@colony.remote
def system_exit():
    sys.exit(3)


@colony.remote
def two_args(a, b):
    return a + b


@colony.remote
def pid():
    return os.getpid()


# ---------------------------------------------------------------- task exceptions

def test_task_exception_is_task_error_and_original_type():
    ref = raise_value_error.remote("boom 123")
    with pytest.raises(ValueError) as info:
        colony.get(ref, timeout=20)
    err = info.value
    assert isinstance(err, TaskError) and isinstance(err, ValueError)
    assert isinstance(err, ColonyError)
    text = str(err)
    assert "raise_value_error" in text
    assert "boom 123" in text
    assert "Traceback" in text and "ValueError" in text
    assert err.function_name == "raise_value_error"
    assert isinstance(err.cause, ValueError) and err.cause.args == ("boom 123",)
    assert err.args == ("boom 123",)
    # The failed object stays failed: a second get raises again.
    with pytest.raises(TaskError):
        colony.get(ref, timeout=20)


def test_except_clause_on_original_type_catches_it():
    try:
        colony.get(raise_value_error.remote("caught"), timeout=20)
    except ValueError as e:
        assert "caught" in str(e)
    else:
        pytest.fail("no exception")


def test_custom_exception_classes():
    with pytest.raises(MyError) as info:
        colony.get(raise_my_error.remote("custom failure", 42), timeout=20)
    err = info.value
    assert isinstance(err, TaskError)
    assert err.code == 42
    assert "custom failure" in str(err) and "raise_my_error" in str(err)
    with pytest.raises(MyValueError) as info:
        colony.get(raise_my_value_error.remote(), timeout=20)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TaskError)


def test_errors_propagate_through_dependent_tasks():
    bad = raise_value_error.remote("root cause")
    chained = plus_one.remote(plus_one.remote(bad))
    with pytest.raises(ValueError) as info:
        colony.get(chained, timeout=20)
    assert isinstance(info.value, TaskError)
    assert "root cause" in str(info.value)
    assert "raise_value_error" in str(info.value)


def test_errors_propagate_through_nested_get():
    with pytest.raises(ValueError) as info:
        colony.get(middle_layer.remote(7), timeout=20)
    assert isinstance(info.value, TaskError)
    assert "inner 7" in str(info.value)


def test_get_of_list_with_one_failure_raises():
    refs = [plus_one.remote(1), raise_value_error.remote("one bad"), plus_one.remote(2)]
    with pytest.raises(ValueError, match="one bad"):
        colony.get(refs, timeout=20)
    assert colony.get(refs[0]) == 2 and colony.get(refs[2]) == 3


@colony.remote
def hold_until_exists(path):
    while not os.path.exists(path):
        time.sleep(0.02)
    return "released"


def test_get_of_a_list_raises_at_the_first_failure_without_waiting_for_the_rest(tmp_path):
    release = str(tmp_path / "release")
    held = hold_until_exists.remote(release)  # ends only once the file exists
    try:
        with pytest.raises(ValueError, match="fails first"):
            colony.get([held, raise_value_error.remote("fails first")], timeout=60)
        with pytest.raises(ValueError, match="fails first"):
            colony.get([raise_value_error.remote("fails first"), held], timeout=60)
    finally:
        open(release, "w").close()
    assert colony.get(held, timeout=30) == "released"


def test_unserializable_return_value_is_an_error():
    with pytest.raises(TaskError) as info:
        colony.get(returns_unpicklable.remote(), timeout=20)
    assert "lock" in str(info.value)
    assert "returns_unpicklable" in str(info.value)


def test_system_exit_in_task_does_not_hang():
    with pytest.raises(ColonyError):
        colony.get(system_exit.remote(), timeout=20)
    assert colony.get(plus_one.remote(1), timeout=20) == 2


def _explode(message):
    raise RuntimeError(message)


class FailsToUnpickle:
    """Pickles fine in the driver; unpickling it (in the worker) raises."""

    def __reduce__(self):
        return (_explode, ("cannot rebuild this argument",))


def test_argument_that_fails_to_unpickle_in_the_worker():
    with pytest.raises(TaskError) as info:
        colony.get(plus_one.remote(FailsToUnpickle()), timeout=20)
    assert "cannot rebuild this argument" in str(info.value)
    assert colony.get(plus_one.remote(1), timeout=20) == 2


# ---------------------------------------------------------------- worker crashes

@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_worker_crash_is_retried_then_raises(tmp_path, how):
    path = str(tmp_path / "attempts")
    start = time.monotonic()
    with pytest.raises(WorkerCrashedError):
        colony.get(crash.options(max_retries=2).remote(path, how), timeout=25)
    assert attempts(path) == 3
    assert time.monotonic() - start < 25
    with open(path) as f:
        pids = [int(p) for p in f.read().split()]
    assert len(set(pids)) == 3  # each attempt ran in a fresh worker
    assert colony.get(plus_one.remote(1), timeout=20) == 2  # the cluster still works
    # The crashed workers' CPUs were given back.
    wait_for(lambda: colony.available_resources().get("CPU", 0) == 2, timeout=10,
             what="CPUs of crashed workers to be released")


def test_worker_crash_without_retries(tmp_path):
    path = str(tmp_path / "attempts")
    with pytest.raises(WorkerCrashedError):
        colony.get(crash.options(max_retries=0).remote(path, "exit"), timeout=20)
    assert attempts(path) == 1
    assert not isinstance(WorkerCrashedError("x"), TaskError)


def test_worker_crash_retry_can_succeed(tmp_path):
    path = str(tmp_path / "attempts")
    assert colony.get(crash_first_n.options(max_retries=3).remote(path, 2), timeout=25) == "survived"
    assert attempts(path) == 3


def test_default_max_retries_is_three(tmp_path):
    path = str(tmp_path / "attempts")
    with pytest.raises(WorkerCrashedError):
        colony.get(crash.remote(path, "exit"), timeout=25)
    assert attempts(path) == 4


def test_crash_propagates_to_dependents(tmp_path):
    path = str(tmp_path / "attempts")
    dependent = plus_one.remote(crash.options(max_retries=0).remote(path, "exit"))
    with pytest.raises(WorkerCrashedError):
        colony.get(dependent, timeout=20)


def test_crashed_worker_does_not_hang_a_waiting_driver(tmp_path):
    path = str(tmp_path / "attempts")
    ref = crash.options(max_retries=0).remote(path, "sigkill")
    ready, not_ready = colony.wait([ref], num_returns=1, timeout=20)
    assert ready == [ref]
    with pytest.raises(WorkerCrashedError):
        colony.get(ref, timeout=5)


# ---------------------------------------------------------------- application retries

def test_exceptions_not_retried_by_default(tmp_path):
    path = str(tmp_path / "attempts")
    with pytest.raises(ValueError):
        colony.get(always_fail.options(max_retries=3).remote(path, ValueError), timeout=20)
    assert attempts(path) == 1


def test_retry_exceptions_true_retries_until_success(tmp_path):
    path = str(tmp_path / "attempts")
    f = fail_first_n.options(retry_exceptions=True, max_retries=3)
    assert colony.get(f.remote(path, 2, RuntimeError), timeout=20) == "ok after 3"
    assert attempts(path) == 3


def test_retry_exceptions_gives_up_after_max_retries(tmp_path):
    path = str(tmp_path / "attempts")
    f = always_fail.options(retry_exceptions=True, max_retries=2)
    with pytest.raises(KeyError) as info:
        colony.get(f.remote(path, KeyError), timeout=20)
    assert isinstance(info.value, TaskError)
    assert attempts(path) == 3


def test_retry_exceptions_with_zero_retries_runs_once(tmp_path):
    path = str(tmp_path / "attempts")
    f = always_fail.options(retry_exceptions=True, max_retries=0)
    with pytest.raises(ValueError):
        colony.get(f.remote(path, ValueError), timeout=20)
    assert attempts(path) == 1


def test_retry_exceptions_list_retries_only_listed_types(tmp_path):
    listed = str(tmp_path / "listed")
    other = str(tmp_path / "other")
    sub = str(tmp_path / "subclass")
    f = always_fail.options(retry_exceptions=[ValueError], max_retries=2)
    with pytest.raises(ValueError):
        colony.get(f.remote(listed, ValueError), timeout=20)
    assert attempts(listed) == 3
    with pytest.raises(TypeError):
        colony.get(f.remote(other, TypeError), timeout=20)
    assert attempts(other) == 1
    with pytest.raises(MyValueError):  # a subclass of a listed type is retried
        colony.get(f.remote(sub, MyValueError), timeout=20)
    assert attempts(sub) == 3


def test_retry_exceptions_with_custom_class_in_list(tmp_path):
    path = str(tmp_path / "attempts")
    f = fail_first_n.options(retry_exceptions=[MyValueError], max_retries=5)
    assert colony.get(f.remote(path, 1, MyValueError), timeout=20) == "ok after 2"
    assert attempts(path) == 2


# ---------------------------------------------------------------- API misuse

def test_unknown_option_is_named():
    with pytest.raises(ValueError, match="num_cpu_typo"):
        plus_one.options(num_cpu_typo=1)
    with pytest.raises(ValueError, match="max_restarts"):
        colony.remote(max_restarts=1)(lambda: None)


@pytest.mark.parametrize("options, exc, needle", [
    ({"num_cpus": "a"}, TypeError, "num_cpus"),
    ({"num_cpus": -1}, ValueError, "num_cpus"),
    ({"num_gpus": None}, TypeError, "num_gpus"),
    ({"memory": "1GB"}, TypeError, "memory"),
    ({"num_returns": 1.5}, TypeError, "num_returns"),
    ({"num_returns": -1}, ValueError, "num_returns"),
    ({"max_retries": -2}, ValueError, "max_retries"),
    ({"max_retries": "3"}, TypeError, "max_retries"),
    ({"resources": ["custom"]}, TypeError, "resources"),
    ({"resources": {"custom": "x"}}, TypeError, "custom"),
    ({"resources": {"CPU": 1}}, ValueError, "num_cpus"),
    ({"resources": {1: 1}}, TypeError, "resource"),
    ({"retry_exceptions": "yes"}, TypeError, "retry_exceptions"),
    ({"retry_exceptions": [int]}, TypeError, "retry_exceptions"),
    ({"name": 5}, TypeError, "name"),
])
def test_bad_option_values(options, exc, needle):
    with pytest.raises(exc, match=needle):
        plus_one.options(**options)
    with pytest.raises(exc, match=needle):
        colony.remote(**options)(lambda: None)


def test_calling_a_remote_function_directly():
    with pytest.raises(TypeError, match=r"plus_one\.remote\(\)"):
        plus_one(1)


def test_wrong_number_of_arguments():
    with pytest.raises(TypeError, match="two_args"):
        two_args.remote(1)
    with pytest.raises(TypeError, match="two_args"):
        two_args.remote(1, 2, 3)
    with pytest.raises(TypeError, match="two_args"):
        two_args.remote(1, c=2)
    assert colony.get(two_args.remote(1, b=2), timeout=20) == 3


def test_unserializable_argument_names_the_type():
    with pytest.raises(TypeError, match="lock") as info:
        plus_one.remote(threading.Lock())
    assert "plus_one" in str(info.value)
    with pytest.raises(TypeError, match="lock"):
        two_args.remote(1, b=threading.Lock())


def test_get_of_non_ref():
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get(plus_one)
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.get([1, 2])


def test_cancel_of_non_ref():
    with pytest.raises(TypeError, match="ObjectRef"):
        colony.cancel("not a ref")


class HardToRebuild(Exception):
    """Pickles fine but cannot be unpickled: args no longer match __init__."""

    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")


@colony.remote
def raise_hard_to_rebuild():
    raise HardToRebuild("left", "right")


def test_exception_that_cannot_be_unpickled_still_reports_clearly():
    with pytest.raises(TaskError) as info:
        colony.get(raise_hard_to_rebuild.remote(), timeout=20)
    text = str(info.value)
    assert "HardToRebuild" in text
    assert "left and right" in text
    assert "raise_hard_to_rebuild" in text
