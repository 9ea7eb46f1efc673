"""colony.init() / colony.shutdown(): local clusters, options, validation."""

import json
import os
import textwrap
import time

import pytest

import colony
from colony._private.worker import state

from colony_testutil import (child_pids, pid_alive, pids_with_cmdline, run_python,
                             subprocess_env, wait_pids_gone)


@colony.remote
def my_pid():
    return os.getpid()


def test_init_starts_gcs_and_raylet_and_shutdown_stops_them():
    info = colony.init(num_cpus=2)
    try:
        assert colony.is_initialized()
        pids = state.node.pids()
        assert len(pids) == 2, pids  # GCS + raylet
        assert all(pid_alive(p) for p in pids)
        cmdlines = [open(f"/proc/{p}/cmdline", "rb").read() for p in pids]
        assert b"colony-gcs" in cmdlines[0] and b"colony-raylet" in cmdlines[1]
        assert info["session_dir"] and os.path.isdir(info["session_dir"])
        assert ":" in info["gcs_address"]
        # A task's worker is part of the cluster, too.
        worker_pid = colony.get(my_pid.remote(), timeout=20)
        assert worker_pid != os.getpid() and pid_alive(worker_pid)
    finally:
        colony.shutdown()
    assert not colony.is_initialized()
    assert wait_pids_gone(pids + [worker_pid]) == []
    assert state.node is None


def test_shutdown_then_init_again_gives_a_new_cluster():
    first = colony.init(num_cpus=1)
    first_pids = state.node.pids()
    assert colony.get(my_pid.remote(), timeout=20) > 0
    colony.shutdown()
    second = colony.init(num_cpus=2)
    try:
        assert second["gcs_address"] != first["gcs_address"] or second["session_dir"] != first["session_dir"]
        assert colony.cluster_resources()["CPU"] == 2
        assert colony.get(my_pid.remote(), timeout=20) > 0
        assert not any(pid_alive(p) for p in first_pids)
    finally:
        colony.shutdown()


def test_driver_exiting_without_shutdown_leaves_no_processes():
    code = textwrap.dedent("""
        import json, os, colony
        from colony._private.worker import state
        colony.init(num_cpus=1)
        @colony.remote
        def f():
            return os.getpid()
        wpid = colony.get(f.remote(), timeout=20)
        print(json.dumps({"pids": state.node.pids() + [wpid],
                          "session": state.node.session_dir}), flush=True)
        # no colony.shutdown(): the interpreter just exits
    """)
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["pids"]) == 3
    assert wait_pids_gone(out["pids"]) == []
    assert pids_with_cmdline(out["session"]) == []


def test_driver_exiting_with_running_task_leaves_no_processes(tmp_path):
    pid_file = tmp_path / "task_pid"
    code = textwrap.dedent(f"""
        import json, os, time, colony
        from colony._private.worker import state
        colony.init(num_cpus=1)
        @colony.remote
        def long_task():
            with open({str(pid_file)!r}, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        ref = long_task.remote()
        while not os.path.exists({str(pid_file)!r}) or not open({str(pid_file)!r}).read():
            time.sleep(0.02)
        print(json.dumps({{"pids": state.node.pids(), "session": state.node.session_dir}}), flush=True)
    """)
    start = time.monotonic()
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 20  # exiting does not wait for the task
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    task_pid = int(pid_file.read_text())
    assert wait_pids_gone(out["pids"] + [task_pid]) == []
    assert pids_with_cmdline(out["session"]) == []


def test_driver_killed_without_shutdown_leaves_no_processes(tmp_path):
    # SIGKILL skips atexit: the GCS, raylet and workers must still go away.
    pid_file = tmp_path / "task_pid"
    code = textwrap.dedent(f"""
        import json, os, signal, time, colony
        from colony._private.worker import state
        colony.init(num_cpus=1)
        @colony.remote
        def long_task():
            with open({str(pid_file)!r}, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        ref = long_task.remote()
        while not os.path.exists({str(pid_file)!r}) or not open({str(pid_file)!r}).read():
            time.sleep(0.02)
        print(json.dumps({{"pids": state.node.pids(), "session": state.node.session_dir}}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = run_python(code)
    assert proc.returncode == -9, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["pids"]) == 2
    task_pid = int(pid_file.read_text())
    assert wait_pids_gone(out["pids"] + [task_pid]) == []
    assert pids_with_cmdline(out["session"]) == []


def test_init_resources_show_in_cluster_resources():
    colony.init(num_cpus=3, num_gpus=2, resources={"custom": 4, "accel": 0.5},
                object_store_memory=200 * 1024 * 1024)
    try:
        total = colony.cluster_resources()
        assert total["CPU"] == 3
        assert total["GPU"] == 2
        assert total["custom"] == 4
        assert total["accel"] == 0.5
        assert total["object_store_memory"] == 200 * 1024 * 1024
        nodes = colony.nodes()
        assert len(nodes) == 1 and nodes[0]["Alive"]
        assert nodes[0]["Resources"]["custom"] == 4
        avail = colony.available_resources()
        assert avail["CPU"] == 3 and avail["custom"] == 4
    finally:
        colony.shutdown()


def test_init_default_cpus_is_the_machine_cpu_count():
    colony.init()
    try:
        assert colony.cluster_resources()["CPU"] == os.cpu_count()
        assert "GPU" not in colony.cluster_resources() or colony.cluster_resources()["GPU"] == 0
    finally:
        colony.shutdown()


def test_namespace_and_context():
    info = colony.init(num_cpus=1, namespace="my-ns")
    try:
        ctx = colony.get_runtime_context()
        assert ctx.namespace == "my-ns"
        assert info["namespace"] == "my-ns"
        assert ctx.get_job_id() == info["job_id"] and ctx.job_id
        assert ctx.get_node_id() == info["node_id"] == colony.nodes()[0]["NodeID"]
    finally:
        colony.shutdown()


def test_get_actor_inside_tasks_and_actors_looks_in_the_jobs_namespace():
    colony.init(num_cpus=1, namespace="team-a")
    try:
        @colony.remote
        class Registry:
            def ping(self):
                return "pong"

        @colony.remote
        def look_up():
            return colony.get(colony.get_actor("registry").ping.remote())

        @colony.remote
        class Client:
            def look_up(self):
                return colony.get(colony.get_actor("registry").ping.remote())

        registry = Registry.options(name="registry").remote()  # lives while a handle does
        assert colony.get(look_up.remote(), timeout=30) == "pong"
        assert colony.get(Client.remote().look_up.remote(), timeout=30) == "pong"
        del registry
    finally:
        colony.shutdown()


def test_an_http_proxy_in_the_environment_is_not_used_for_cluster_traffic():
    # A proxy that refuses every connection: any call that went through it would fail.
    env = subprocess_env(http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
                         HTTP_PROXY="http://127.0.0.1:9", grpc_proxy="http://127.0.0.1:9")
    result = run_python(textwrap.dedent("""
        import colony
        colony.init(num_cpus=1)
        @colony.remote
        def f():
            return 41 + 1
        print("answer", colony.get(f.remote(), timeout=30))
        colony.shutdown()
    """), env=env, timeout=120)
    assert "answer 42" in result.stdout, result.stderr[-2000:]


def test_a_users_omp_num_threads_is_kept():
    env = subprocess_env(OMP_NUM_THREADS="3")
    result = run_python(textwrap.dedent("""
        import os, colony
        colony.init(num_cpus=2)
        @colony.remote(num_cpus=2)
        def threads():
            return os.environ.get("OMP_NUM_THREADS")
        print("threads", colony.get(threads.remote(), timeout=30))
        colony.shutdown()
    """), env=env, timeout=120)
    assert "threads 3" in result.stdout, result.stderr[-2000:]


def test_job_config_is_accepted_and_validated(tmp_path):
    cfg = colony.JobConfig(code_search_path=[str(tmp_path)], metadata={"owner": "tests"})
    colony.init(num_cpus=1, job_config=cfg)
    try:
        assert colony.get(my_pid.remote(), timeout=20) > 0
    finally:
        colony.shutdown()
    with pytest.raises(TypeError, match="code_search_path"):
        colony.JobConfig(code_search_path="/not/a/list")
    with pytest.raises(ValueError, match="java_actors_per_worker"):
        colony.JobConfig(java_actors_per_worker=0)
    with pytest.raises(TypeError, match="job_config"):
        colony.init(num_cpus=1, job_config={"code_search_path": []})
    assert not colony.is_initialized()


@pytest.mark.parametrize("kwargs, exc, needle", [
    ({"num_cpus": -1}, ValueError, "num_cpus"),
    ({"num_cpus": "2"}, (ValueError, TypeError), "num_cpus"),
    ({"num_cpus": True}, (ValueError, TypeError), "num_cpus"),
    ({"num_gpus": -0.5}, ValueError, "num_gpus"),
    ({"object_store_memory": -5}, ValueError, "object_store_memory"),
    ({"object_store_memory": "lots"}, (ValueError, TypeError), "object_store_memory"),
    ({"resources": ["custom"]}, TypeError, "resources"),
    ({"resources": {"custom": -1}}, ValueError, "custom"),
    ({"resources": {"custom": "one"}}, (ValueError, TypeError), "custom"),
    ({"resources": {"CPU": 2}}, ValueError, "num_cpus"),
    ({"resources": {"GPU": 1}}, ValueError, "num_gpus"),
    ({"namespace": 5}, TypeError, "namespace"),
])
def test_init_rejects_bad_values(kwargs, exc, needle):
    with pytest.raises(exc, match=needle):
        colony.init(**kwargs)
    assert not colony.is_initialized()
    assert state.node is None  # nothing half-started


def test_init_rejects_bad_address():
    with pytest.raises(ValueError, match="address"):
        colony.init(address="no-port-here")
    assert not colony.is_initialized()


def test_init_rejects_resources_when_joining():
    with pytest.raises(ValueError, match="num_cpus"):
        colony.init(address="127.0.0.1:1", num_cpus=2)
    assert not colony.is_initialized()


def test_double_init_raises_unless_ignore_reinit_error():
    first = colony.init(num_cpus=1)
    try:
        pids = state.node.pids()
        with pytest.raises(RuntimeError, match="already"):
            colony.init(num_cpus=1)
        again = colony.init(num_cpus=2, ignore_reinit_error=True)
        assert again["job_id"] == first["job_id"]
        assert again["gcs_address"] == first["gcs_address"]
        assert state.node.pids() == pids  # no second cluster was started
        assert colony.cluster_resources()["CPU"] == 1
    finally:
        colony.shutdown()


def test_api_before_init_raises():
    assert not colony.is_initialized()
    with pytest.raises(RuntimeError, match="init"):
        my_pid.remote()
    with pytest.raises(RuntimeError, match="init"):
        colony.put(1)
    with pytest.raises(RuntimeError, match="init"):
        colony.nodes()


def test_shutdown_is_idempotent():
    colony.init(num_cpus=1)
    colony.shutdown()
    colony.shutdown()  # a second call is harmless
    assert not colony.is_initialized()


def test_raylet_kills_its_workers_on_shutdown():
    colony.init(num_cpus=2)
    try:
        raylet_pid = state.node.pids()[1]
        worker_pid = colony.get(my_pid.remote(), timeout=20)
        assert worker_pid in child_pids(raylet_pid)
    finally:
        colony.shutdown()
    assert wait_pids_gone([worker_pid, raylet_pid]) == []


def test_address_auto_without_a_cluster_fails_clearly(tmp_path):
    # An empty temp dir means no /tmp/colony-<uid>/current_cluster.json.
    code = textwrap.dedent("""
        import colony
        try:
            colony.init(address="auto")
        except ConnectionError as e:
            print("ConnectionError:", e)
        else:
            print("connected?!")
    """)
    proc = run_python(code, env=subprocess_env(TMPDIR=str(tmp_path)), timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "ConnectionError:" in proc.stdout and "colony start --head" in proc.stdout


@pytest.mark.parametrize("value", [2.0, 1.5])
def test_init_float_num_cpus_works_or_is_rejected_clearly(value):
    # num_cpus is validated as "a non-negative number": a float must either give a cluster
    # with that many CPUs or be refused with a ValueError/TypeError naming num_cpus — never
    # a raylet that dies at startup (RuntimeError with the raylet's usage text).
    try:
        colony.init(num_cpus=value)
    except (ValueError, TypeError) as e:
        assert "num_cpus" in str(e)
        assert not colony.is_initialized() and state.node is None
        return
    try:
        assert colony.cluster_resources()["CPU"] == value
    finally:
        colony.shutdown()
