"""Bad runtime envs fail promptly with a RuntimeEnvSetupError naming the part and the
reason, and leave the job and the node working: refused on the client (a bad key or
value, a path that does not exist, a folder over the size limit) or by the node's agent
(a package the cluster does not have)."""

import json
import os

import pytest

import colony
from colony.exceptions import ActorDiedError, RuntimeEnvSetupError

DEADLINE = 120


@pytest.fixture(scope="module")
def shared_cluster():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@colony.remote
def ok():
    return "ok"


@colony.remote
class Actor:
    def ping(self):
        return "pong"


@pytest.mark.parametrize("env, message", [
    ({"colour": "red"}, "unknown runtime_env key 'colour'"),
    ({"conda": "env"}, "'conda' is not supported yet"),
    ({"env_vars": {"N": 1}}, r"env_vars'\]\['N'\] must be a string"),
    ({"env_vars": ["N=1"]}, "env_vars'] must be an object"),
    ({"pip": "requests"}, "pip'] must be a list"),
    ({"pip": ["--index-url=http://x"]}, "pip options are not taken"),
    ({"working_dir": "/no/such/folder"}, "working_dir '/no/such/folder' does not exist"),
    ({"py_modules": ["/no/such/module"]}, "py_modules'\\]: '/no/such/module' does not exist"),
    ({"java_jars": ["/no/such.jar"]}, "java_jars'\\]: '/no/such.jar' does not exist"),
    ("not a dict", "must be a JSON object"),
])
def test_bad_envs_are_refused_with_the_reason(shared_cluster, env, message):
    with pytest.raises(RuntimeEnvSetupError, match=message):
        ok.options(runtime_env=env)
    with pytest.raises(RuntimeEnvSetupError, match=message):
        Actor.options(runtime_env=env)
    with pytest.raises(RuntimeEnvSetupError, match=message):
        colony.JobConfig(runtime_env=env)
    assert colony.get(ok.remote(), timeout=DEADLINE) == "ok"


def test_a_working_dir_over_the_limit_is_refused(shared_cluster, tmp_path, monkeypatch):
    (tmp_path / "big.bin").write_bytes(b"x" * 5000)
    monkeypatch.setenv("COLONY_MAX_WORKING_DIR_BYTES", "4096")
    with pytest.raises(RuntimeEnvSetupError, match="larger than the 4096 bytes limit"):
        colony.get(ok.options(runtime_env={"working_dir": str(tmp_path)}).remote(),
                   timeout=DEADLINE)
    monkeypatch.delenv("COLONY_MAX_WORKING_DIR_BYTES")
    assert colony.get(ok.options(runtime_env={"working_dir": str(tmp_path)}).remote(),
                      timeout=DEADLINE) == "ok"


def test_a_package_the_cluster_does_not_have_fails_the_task_and_the_actor(shared_cluster):
    missing = {"working_dir": "pkg://" + "0" * 64}
    with pytest.raises(RuntimeEnvSetupError, match="the cluster has no such package"):
        colony.get(ok.options(runtime_env=missing).remote(), timeout=DEADLINE)
    actor = Actor.options(runtime_env=missing).remote()
    with pytest.raises(ActorDiedError, match="RuntimeEnvSetupError") as e:
        colony.get(actor.ping.remote(), timeout=DEADLINE)
    assert isinstance(e.value, RuntimeEnvSetupError)
    assert "no such package" in str(e.value)
    # The job goes on, in other envs too.
    assert colony.get(ok.options(runtime_env={"env_vars": {"A": "1"}}).remote(),
                      timeout=DEADLINE) == "ok"


def test_a_bad_key_reaching_the_agent_is_refused_there(shared_cluster):
    """A submitter that skipped the client's checks (another SDK, an old client): the
    agent checks the env again."""
    from colony import _core
    from colony._private import runtime_env
    text = json.dumps({"colour": "red"})
    refs = _core.submit_task(ok._function.__module__, ok._function.__qualname__,
                             colony._private.worker.state.exporter.export(ok._function),
                             "ok", [], [], 1, {"CPU": 1.0}, 0, False, b"",
                             runtime_env=(text, "f" * 32))
    with pytest.raises(RuntimeEnvSetupError, match="unknown runtime_env key 'colour'"):
        colony.get(refs[0], timeout=DEADLINE)
    assert runtime_env.SUPPORTED_KEYS  # the agent names the keys it takes
    assert colony.get(ok.remote(), timeout=DEADLINE) == "ok"
    assert os.environ.get("COLONY_RUNTIME_ENV_JSON") is None  # the driver has no env
