"""runtime_env pip: a real install from PyPI of one small pure-Python package with no
dependencies (pyjokes), into a virtualenv the node's agent builds once per requirement
set and shares. pip's download cache is ~/.cache/colony-pip (COLONY_PIP_CACHE_DIR), so
CI downloads the package once across runs."""

import json
import os

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy

DEADLINE = 300  # a first install downloads from PyPI
PACKAGE = "pyjokes==0.8.3"


@pytest.fixture(scope="module")
def driver():
    with Cluster(head_node_args={"num_cpus": 2}) as c:
        c.connect()
        yield c
        colony.shutdown()


def agent_state(node) -> dict:
    path = os.path.join(node.session_dir, "runtime_resources", "node_" + node.node_id[:12],
                        "agent_state.json")
    with open(path) as f:
        return json.load(f)


@colony.remote
def joke_module():
    import sys

    import pyjokes
    return pyjokes.__file__, sys.executable, os.environ.get("RT_PIP")


def test_pip_package_is_importable_and_its_env_is_built_once(driver):
    head = driver.head_node
    here = NodeAffinitySchedulingStrategy(head.node_id, soft=False)
    with pytest.raises(ImportError):
        import pyjokes  # noqa: F401  (not installed outside the env)
    # Three envs with the same pip list (their env_vars differ, so each is its own env,
    # asked of the agent at once): one virtualenv is built and shared.
    refs = [joke_module.options(scheduling_strategy=here, runtime_env={
        "pip": [PACKAGE], "env_vars": {"RT_PIP": str(i)}}).remote() for i in range(3)]
    results = colony.get(refs, timeout=DEADLINE)
    assert [r[2] for r in results] == ["0", "1", "2"]
    venvs = {os.path.dirname(os.path.dirname(r[1])) for r in results}
    assert len(venvs) == 1
    venv = venvs.pop()
    assert all(r[0].startswith(venv) for r in results)
    pip_counts = agent_state(head)["cache"]["pip"]
    assert len(pip_counts) == 1
    counts = next(iter(pip_counts.values()))
    assert counts["builds"] == 1 and counts["hits"] == 2 and counts["failures"] == 0

    # A later job asking for the same set uses the cached env: no new build.
    colony.shutdown()
    driver.connect(job_config=colony.JobConfig(runtime_env={"pip": [PACKAGE]}))
    path, exe, _ = colony.get(joke_module.options(scheduling_strategy=here).remote(),
                              timeout=DEADLINE)
    assert path.startswith(venv)
    counts = next(iter(agent_state(head)["cache"]["pip"].values()))
    assert counts["builds"] == 1 and counts["hits"] == 3

    # Tasks without the env do not run in it.
    @colony.remote
    def plain():
        import sys
        return sys.executable

    colony.shutdown()
    driver.connect()
    assert not colony.get(plain.remote(), timeout=DEADLINE).startswith(venv)


def test_a_failed_pip_install_fails_the_task_and_is_not_cached(driver):
    bad = joke_module.options(runtime_env={"pip": ["colony-no-such-package-4e1f"]})
    for attempt in (1, 2):
        with pytest.raises(colony.exceptions.RuntimeEnvSetupError,
                           match="colony-no-such-package-4e1f"):
            colony.get(bad.remote(), timeout=DEADLINE)
        counts = [c for c in agent_state(driver.head_node)["cache"]["pip"].values()
                  if c["failures"]]
        # Built again on the second request: a failure is never kept as the env.
        assert len(counts) == 1 and counts[0]["failures"] == attempt
        assert counts[0]["builds"] == 0
    pip_dir = os.path.join(driver.head_node.session_dir, "runtime_resources",
                           "node_" + driver.head_node.node_id[:12], "pip")
    ready = [d for d in os.listdir(pip_dir)
             if os.path.exists(os.path.join(pip_dir, d, ".colony-ready"))]
    assert len(ready) <= 1  # only the good env of the test above, if it ran first
    # The node still serves other work.
    @colony.remote
    def seven():
        return 7

    assert colony.get(seven.remote(), timeout=DEADLINE) == 7
