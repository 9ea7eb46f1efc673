"""Runtime environments (docs/runtime_env.md) on a real 2-node cluster: env_vars,
working_dir and py_modules on another node, workers pooled per env, merging over the
job's env, and the node agent's cache. pip installs are in test_runtime_env_pip.py and
bad envs in test_runtime_env_errors.py."""

import json
import os

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy

DEADLINE = 120


@pytest.fixture(scope="module")
def driver():
    """A 2-node cluster and a driver connected to it for the whole module."""
    with Cluster(head_node_args={"num_cpus": 2}) as c:
        c.other = c.add_node(num_cpus=2)
        c.connect()
        c.wait_for_nodes()
        yield c
        colony.shutdown()


def on(node):
    return NodeAffinitySchedulingStrategy(node.node_id, soft=False)


def agent_dir(node) -> str:
    return os.path.join(node.session_dir, "runtime_resources", "node_" + node.node_id[:12])


def agent_state(node) -> dict:
    with open(os.path.join(agent_dir(node), "agent_state.json")) as f:
        return json.load(f)


@colony.remote
def getenv(*names):
    return {n: os.environ.get(n) for n in names}


@colony.remote
def pid():
    return os.getpid()


def test_env_vars_per_task_and_actor(driver):
    assert colony.get(getenv.remote("RT_A"), timeout=DEADLINE) == {"RT_A": None}
    task = getenv.options(runtime_env={"env_vars": {"RT_A": "task"}})
    assert colony.get(task.remote("RT_A"), timeout=DEADLINE) == {"RT_A": "task"}

    @colony.remote(runtime_env={"env_vars": {"RT_A": "decorated"}})
    def decorated():
        return os.environ.get("RT_A")

    assert colony.get(decorated.remote(), timeout=DEADLINE) == "decorated"

    @colony.remote
    class Reader:
        def get(self, name):
            return os.environ.get(name)

    actor = Reader.options(runtime_env={"env_vars": {"RT_A": "actor"}}).remote()
    assert colony.get(actor.get.remote("RT_A"), timeout=DEADLINE) == "actor"
    plain = Reader.remote()
    assert colony.get(plain.get.remote("RT_A"), timeout=DEADLINE) is None


def test_two_envs_never_share_a_worker(driver):
    a = pid.options(runtime_env={"env_vars": {"RT_WHICH": "a"}})
    b = pid.options(runtime_env={"env_vars": {"RT_WHICH": "b"}})
    pids = {"a": set(), "b": set(), "none": set()}
    # One after another, so an idle worker of the other env would be reused if it could.
    for _ in range(4):
        for name, fn in (("a", a), ("b", b), ("none", pid)):
            pids[name].add(colony.get(fn.options(scheduling_strategy=on(driver.head_node))
                                      .remote(), timeout=DEADLINE))
    assert not pids["a"] & pids["b"]
    assert not pids["a"] & pids["none"] and not pids["b"] & pids["none"]


def test_working_dir_and_py_modules_are_importable_on_another_node(driver, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "rt_work_mod.py").write_text("WHERE = 'working_dir'\n")
    (work / "data.txt").write_text("hello from the working dir\n")
    pkg = tmp_path / "rt_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from rt_pkg.inner import VALUE\n")
    (pkg / "inner.py").write_text("VALUE = 'py_module'\n")
    single = tmp_path / "rt_single.py"
    single.write_text("NAME = 'single file'\n")

    @colony.remote
    def use_them():
        import rt_pkg
        import rt_single
        import rt_work_mod
        with open("data.txt") as f:  # the working_dir is the worker's current folder
            data = f.read().strip()
        return (rt_work_mod.WHERE, rt_pkg.VALUE, rt_single.NAME, data, os.getcwd(),
                colony.get_runtime_context().get_node_id())

    env = {"working_dir": str(work), "py_modules": [str(pkg), str(single)]}
    where, value, name, data, cwd, node = colony.get(
        use_them.options(runtime_env=env, scheduling_strategy=on(driver.other)).remote(),
        timeout=DEADLINE)
    assert (where, value, name, data) == ("working_dir", "py_module", "single file",
                                          "hello from the working dir")
    assert node == driver.other.node_id
    # Unpacked into that node's own cache, by content hash.
    assert cwd.startswith(os.path.join(agent_dir(driver.other), "working_dir") + os.sep)
    counts = agent_state(driver.other)["cache"]
    assert len(counts["working_dir"]) == 1 and len(counts["py_modules"]) == 2
    # Without the env the modules are not there.
    with pytest.raises(colony.exceptions.TaskError, match="rt_pkg"):
        colony.get(use_them.options(scheduling_strategy=on(driver.other)).remote(),
                   timeout=DEADLINE)


def test_an_actor_runs_in_its_working_dir(driver, tmp_path):
    (tmp_path / "rt_actor_mod.py").write_text("def hello():\n    return 'hi from the module'\n")

    @colony.remote
    class User:
        def call(self):
            import rt_actor_mod
            return rt_actor_mod.hello(), os.getcwd()

    actor = User.options(runtime_env={"working_dir": str(tmp_path)},
                         scheduling_strategy=on(driver.other)).remote()
    said, cwd = colony.get(actor.call.remote(), timeout=DEADLINE)
    assert said == "hi from the module" and "runtime_resources" in cwd


def test_a_tasks_env_merges_over_its_jobs(driver):
    colony.shutdown()  # a new job, with an env of its own
    driver.connect(job_config=colony.JobConfig(
        runtime_env={"env_vars": {"RT_JOB": "job", "RT_BOTH": "job"}}))
    try:
        assert colony.get(getenv.remote("RT_JOB", "RT_BOTH"), timeout=DEADLINE) == {
            "RT_JOB": "job", "RT_BOTH": "job"}
        own = getenv.options(runtime_env={"env_vars": {"RT_BOTH": "task", "RT_TASK": "t"}})
        assert colony.get(own.remote("RT_JOB", "RT_BOTH", "RT_TASK"), timeout=DEADLINE) == {
            "RT_JOB": "job", "RT_BOTH": "task", "RT_TASK": "t"}

        @colony.remote
        def nested():
            # A task's children inherit its env.
            return colony.get(getenv.remote("RT_JOB", "RT_BOTH", "RT_TASK"))

        inherited = nested.options(runtime_env={"env_vars": {"RT_TASK": "parent"}})
        assert colony.get(inherited.remote(), timeout=DEADLINE) == {
            "RT_JOB": "job", "RT_BOTH": "job", "RT_TASK": "parent"}
    finally:
        colony.shutdown()
        driver.connect()


def test_a_package_is_uploaded_once_per_content(driver, tmp_path):
    from colony import _core
    (tmp_path / "m.py").write_text("X = 1\n")
    before = set(_core.kv_keys("packages", b""))
    for _ in range(2):
        colony.get(pid.options(runtime_env={"working_dir": str(tmp_path)}).remote(),
                   timeout=DEADLINE)
    assert len(set(_core.kv_keys("packages", b"")) - before) == 1


def test_a_submitted_jobs_env_reaches_its_workers_on_every_node(driver, tmp_path):
    """`colony job submit --runtime-env`: the client uploads the py_modules; the job's
    tasks on the other node import them and see its env_vars."""
    from colony.job_submission import JobStatus
    lib = tmp_path / "rt_job_lib"
    lib.mkdir()
    (lib / "__init__.py").write_text("def where():\n    import os\n"
                                     "    return os.environ['RT_JOB_VAR']\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.py").write_text(
        "import colony\n"
        "from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy\n"
        "colony.init()\n"
        "@colony.remote\n"
        "def f():\n"
        "    import rt_job_lib\n"
        "    return rt_job_lib.where() + ' on ' + colony.get_runtime_context().get_node_id()\n"
        f"there = NodeAffinitySchedulingStrategy({driver.other.node_id!r}, soft=False)\n"
        "print('RESULT', colony.get(f.options(scheduling_strategy=there).remote(), timeout=120))\n")
    driver.start_dashboard()
    client = driver.job_client()
    sid = client.submit_job(entrypoint="python main.py", runtime_env={
        "working_dir": str(work), "py_modules": [str(lib)], "env_vars": {"RT_JOB_VAR": "job env"}})
    assert client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.SUCCEEDED, \
        client.get_job_logs(sid)
    assert f"RESULT job env on {driver.other.node_id}" in client.get_job_logs(sid)
