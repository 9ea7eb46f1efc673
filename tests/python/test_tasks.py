"""@colony.remote functions: submission, arguments, options, returns, runtime context."""

import gc
import os

import pytest

import colony
from colony_testutil import wait_for


@colony.remote
def square(x):
    return x * x


@colony.remote
def add(a, b=10):
    return a + b


@colony.remote
def echo(*args, **kwargs):
    return args, kwargs


@colony.remote
def context_info():
    ctx = colony.get_runtime_context()
    return {"job": ctx.get_job_id(), "node": ctx.get_node_id(), "worker": ctx.get_worker_id(),
            "task": ctx.get_task_id(), "task_prop": ctx.task_id, "namespace": ctx.namespace,
            "pid": os.getpid()}


@colony.remote(num_returns=3)
def three(x):
    return x, x + 1, x + 2


@colony.remote
def length(data):
    return len(data), data[:4], data[-4:]


@colony.remote(num_cpus=0.5, max_retries=0)
def decorated_with_options():
    return "ok"


def _helper(x):
    return x * 3


@colony.remote
def uses_module_helper(x):
    return _helper(x)


def test_task_round_trip(shared_cluster):
    assert colony.get(square.remote(7)) == 49
    assert colony.get([square.remote(i) for i in range(10)]) == [i * i for i in range(10)]


def test_kwargs_and_defaults(shared_cluster):
    assert colony.get(add.remote(1)) == 11
    assert colony.get(add.remote(1, b=2)) == 3
    assert colony.get(add.remote(a=5, b=6)) == 11


def test_varargs_and_varkw(shared_cluster):
    args, kwargs = colony.get(echo.remote(1, "two", [3], x=4, y={"z": 5}))
    assert args == (1, "two", [3])
    assert kwargs == {"x": 4, "y": {"z": 5}}
    assert colony.get(echo.remote()) == ((), {})


def test_put_get(shared_cluster):
    ref = colony.put({"a": [1, 2, 3]})
    assert colony.get(ref) == {"a": [1, 2, 3]}
    assert colony.get(colony.put(b"raw bytes")) == b"raw bytes"


def test_tasks_run_in_other_processes(shared_cluster):
    pids = colony.get([context_info.remote() for _ in range(4)])
    assert all(p["pid"] != os.getpid() for p in pids)


def test_many_tasks(shared_cluster):
    refs = [add.remote(i, b=i) for i in range(300)]
    assert colony.get(refs, timeout=60) == [2 * i for i in range(300)]


def test_submit_and_get_from_many_threads(shared_cluster):
    import threading
    results, errors = {}, []

    def worker(t):
        try:
            refs = [add.remote(t * 1000 + i, b=0) for i in range(40)]
            results[t] = colony.get(refs, timeout=60)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(90)
    assert not errors, errors
    assert all(not th.is_alive() for th in threads)
    assert results == {t: [t * 1000 + i for i in range(40)] for t in range(4)}


def test_large_arguments_and_results(shared_cluster):
    blob = os.urandom(8 * 1024 * 1024)
    n, head, tail = colony.get(length.remote(blob), timeout=30)
    assert (n, head, tail) == (len(blob), blob[:4], blob[-4:])
    big_list = list(range(200_000))
    n, head, tail = colony.get(length.remote(big_list), timeout=30)
    assert (n, head, tail) == (200_000, [0, 1, 2, 3], [199_996, 199_997, 199_998, 199_999])


def _make_multiplier(factor):
    @colony.remote
    def times_factor(x):
        return x * factor
    return times_factor


# Module-level so that they are never garbage-collected (see
# test_distinct_functions_never_mix_up for what happens to collected ones).
times_seven = _make_multiplier(7)
times_five = _make_multiplier(5)


@colony.remote
def fails_with_key_error():
    raise KeyError("k")


def test_closures_and_module_helpers(shared_cluster):
    assert colony.get(times_seven.remote(6)) == 42
    assert colony.get(times_five.remote(6)) == 30
    assert colony.get(uses_module_helper.remote(5)) == 15


def test_num_returns(shared_cluster):
    refs = three.remote(10)
    assert isinstance(refs, list) and len(refs) == 3
    assert all(isinstance(r, colony.ObjectRef) for r in refs)
    assert len({r.hex() for r in refs}) == 3
    assert colony.get(refs) == [10, 11, 12]
    refs = square.options(num_returns=2).remote(3)  # returns an int, not a 2-sequence
    assert len(refs) == 2
    with pytest.raises(colony.exceptions.TaskError, match="num_returns"):
        colony.get(refs[0], timeout=20)


@colony.remote(num_returns=0)
def side_effect_only(path):
    with open(path, "w") as f:
        f.write("ran")


def test_num_returns_zero(shared_cluster, tmp_path):
    path = tmp_path / "out"
    refs = side_effect_only.remote(str(path))
    assert refs == [] or refs is None
    wait_for(path.exists, timeout=20, what="the task to run")
    assert path.read_text() == "ran"


def test_options_returns_a_copy(shared_cluster):
    renamed = square.options(name="renamed", num_cpus=0.5)
    assert renamed is not square
    assert square._options["num_cpus"] == 1 and square._options["name"] is None
    assert renamed._options["num_cpus"] == 0.5
    assert colony.get(renamed.remote(4)) == 16
    assert colony.get(decorated_with_options.remote()) == "ok"


def test_options_name_names_the_task(shared_cluster):
    with pytest.raises(KeyError) as info:
        colony.get(fails_with_key_error.options(name="my-custom-task-name").remote(), timeout=20)
    assert "my-custom-task-name" in str(info.value)


def test_remote_decorator_forms():
    with pytest.raises(TypeError):
        colony.remote(1, 2)
    with pytest.raises(TypeError, match="function"):
        colony.RemoteFunction(42, {})
    with pytest.raises(ValueError, match="bogus"):
        @colony.remote(bogus=1)
        def f():
            pass


def test_runtime_context_in_driver_and_tasks(shared_cluster):
    driver = colony.get_runtime_context()
    assert driver.get_task_id() is None and driver.task_id is None
    node_ids = [n["NodeID"] for n in colony.nodes()]
    assert driver.get_node_id() in node_ids
    infos = colony.get([context_info.remote() for _ in range(5)])
    task_ids = [i["task"] for i in infos]
    assert all(isinstance(t, str) and len(t) > 0 for t in task_ids)
    assert len(set(task_ids)) == 5  # every task has its own id
    assert all(i["task"] == i["task_prop"] for i in infos)
    for i in infos:
        assert i["job"] == driver.get_job_id()
        assert i["node"] == driver.get_node_id() == node_ids[0]
        assert i["worker"] and i["worker"] != driver.get_worker_id()
        assert i["namespace"] == driver.namespace


def test_nodes_describe_the_local_node(shared_cluster):
    nodes = colony.nodes()
    assert len(nodes) == 1
    node = nodes[0]
    assert node["Alive"] is True and node["DeathReason"] == ""
    assert isinstance(node["NodeID"], str) and len(node["NodeID"]) == 32
    int(node["NodeID"], 16)
    assert node["NodeManagerAddress"] == "127.0.0.1"
    assert isinstance(node["NodeManagerPort"], int) and node["NodeManagerPort"] > 0
    assert node["Resources"]["CPU"] == 2 and node["Resources"]["custom"] == 2
    assert node["Resources"]["memory"] > 0 and node["Resources"]["object_store_memory"] > 0
    assert set(node["AvailableResources"]) <= set(node["Resources"])
    assert colony.cluster_resources() == node["Resources"]
    assert colony.get_runtime_context().get_node_id() == node["NodeID"]


def test_object_ref_task_id_matches_runtime_context(shared_cluster):
    ref = context_info.remote()
    info = colony.get(ref)
    assert ref.task_id() is not None
    task_id = ref.task_id()
    task_hex = task_id.hex() if isinstance(task_id, bytes) else str(task_id)
    assert task_hex == info["task"]


def test_distinct_functions_never_mix_up(shared_cluster):
    # Short-lived remote functions are garbage-collected and CPython reuses their id();
    # every call must still run the function it was made on.
    results = []
    for i in range(12):
        def make(i):
            @colony.remote
            def f():
                return i
            return f
        f = make(i)
        results.append(colony.get(f.remote(), timeout=20))
        del f
        gc.collect()
    assert results == list(range(12))


@colony.remote
def thread_count_setting():
    return os.environ.get("OMP_NUM_THREADS")


@pytest.mark.skipif("OMP_NUM_THREADS" in os.environ, reason="the user's own setting is kept")
def test_workers_get_omp_num_threads_from_num_cpus(shared_cluster):
    assert colony.get(thread_count_setting.remote()) == "1"
    assert colony.get(thread_count_setting.options(num_cpus=2).remote()) == "2"
    assert colony.get(thread_count_setting.options(num_cpus=0).remote()) == "1"
