"""Where the cluster token lives: a 0700 folder of this user, a 0600 cluster file, never logs.

Every test points TMPDIR at its own folder, so the per-user folder (<tmp>/colony-<uid>) is
the test's own.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap

import pytest

from colony_testutil import pids_with_cmdline, subprocess_env

NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to nobody")


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def tmp():
    path = tempfile.mkdtemp(prefix="csec", dir="/tmp")  # short: session sockets live under it
    yield path
    for pid in pids_with_cmdline(path):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(path, ignore_errors=True)


def _env(tmp):
    env = subprocess_env(TMPDIR=tmp)
    env.pop("COLONY_CLUSTER_TOKEN", None)
    env.pop("COLONY_STATE_DIR", None)
    return env


def _cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _python(env, code, timeout=60):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_cluster_file_and_sessions_are_private_and_the_token_is_not_printed(tmp):
    env = _env(tmp)
    state = os.path.join(tmp, f"colony-{os.geteuid()}")
    # A loose umask must not loosen anything.
    env_umask = dict(env)
    start = subprocess.run(["sh", "-c", f"umask 000 && exec {sys.executable} -m "
                            "colony.scripts.cli start --head --num-cpus 1"],
                           env=env_umask, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    try:
        assert start.returncode == 0, start.stderr + start.stdout
        assert _mode(state) == 0o700 and os.stat(state).st_uid == os.geteuid()
        cluster_file = os.path.join(state, "current_cluster.json")
        assert _mode(cluster_file) == 0o600
        with open(cluster_file) as f:
            info = json.load(f)
        token = info["token"]
        assert len(token) >= 32
        session = info["session_dir"]
        assert os.path.dirname(session) == state
        assert _mode(session) == 0o700 and _mode(os.path.join(session, "logs")) == 0o700
        # The join hint names the variable, not the value; `colony token` gives the value.
        assert token not in start.stdout + start.stderr
        assert "COLONY_CLUSTER_TOKEN=<token> colony start --address " in start.stdout
        printed = _cli(env, "token")
        assert printed.returncode == 0 and printed.stdout.strip() == token

        drv = _python(env, """
            import colony
            colony.init(address="auto")
            @colony.remote
            def f(x):
                return x * 2
            print(colony.get(f.remote(21), timeout=30))
            colony.shutdown()
        """)
        assert drv.returncode == 0, drv.stderr
        assert drv.stdout.strip().endswith("42")
        assert token not in drv.stdout + drv.stderr
    finally:
        stop = _cli(env, "stop", "--grace", "3")
    assert stop.returncode == 0, stop.stderr
    assert not os.path.exists(os.path.join(state, "current_cluster.json"))
    # No log of any process of the session holds the token (event logs in subfolders too).
    logs = os.path.join(session, "logs")
    names = os.listdir(logs)
    assert any(n.startswith("raylet") for n in names) and any(n.startswith("gcs") for n in names)
    for folder, _dirs, files in os.walk(logs):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                assert token.encode() not in f.read(), f"{name} holds the cluster token"


def test_own_folder_with_loose_mode_is_tightened(tmp):
    state = os.path.join(tmp, f"colony-{os.geteuid()}")
    os.mkdir(state)
    os.chmod(state, 0o777)
    out = _python(_env(tmp), """
        from colony._private import node
        node.write_cluster_file({"gcs_address": "127.0.0.1:1", "token": "t", "pids": []})
        print(node.read_cluster_file()["gcs_address"])
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "127.0.0.1:1"
    assert _mode(state) == 0o700
    assert _mode(os.path.join(state, "current_cluster.json")) == 0o600
    assert os.listdir(state) == ["current_cluster.json"]  # no temporary file left behind


def test_a_link_in_place_of_the_folder_is_refused(tmp):
    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere, 0o700)
    os.symlink(elsewhere, os.path.join(tmp, f"colony-{os.geteuid()}"))
    proc = _cli(_env(tmp), "start", "--head")
    assert proc.returncode == 1
    assert "not a link" in proc.stderr, proc.stderr
    assert os.listdir(elsewhere) == []


@needs_root
def test_folder_of_another_user_is_refused(tmp):
    state = os.path.join(tmp, f"colony-{os.geteuid()}")
    os.mkdir(state, 0o700)
    planted = {"gcs_address": "127.0.0.1:1", "token": "planted", "pids": []}
    with open(os.path.join(state, "current_cluster.json"), "w") as f:
        json.dump(planted, f)
    os.chown(state, NOBODY, NOBODY)
    env = _env(tmp)

    head = _cli(env, "start", "--head")
    assert head.returncode == 1
    assert "belongs to uid 65534" in head.stderr and "COLONY_STATE_DIR" in head.stderr, head.stderr
    assert os.listdir(state) == ["current_cluster.json"]  # nothing started, nothing written

    # A driver does not take an address or a token from it either, nor puts a session there.
    for code in ['colony.init(address="auto")', "colony.init(num_cpus=1)"]:
        drv = _python(env, f"""
            import colony
            try:
                {code}
            except Exception as e:
                print("refused:", e)
            else:
                print("accepted")
                colony.shutdown()
        """)
        assert "refused:" in drv.stdout and "belongs to uid 65534" in drv.stdout, \
            drv.stdout + drv.stderr
    assert os.listdir(state) == ["current_cluster.json"]
    assert os.stat(state).st_uid == NOBODY  # refused, not taken over


def test_state_dir_can_be_chosen(tmp):
    chosen = os.path.join(tmp, "mine")
    env = dict(_env(tmp), COLONY_STATE_DIR=chosen)
    out = _python(env, """
        from colony._private import node
        print(node.new_session_dir())
    """)
    assert out.returncode == 0, out.stderr
    assert os.path.dirname(out.stdout.strip()) == chosen
    assert _mode(chosen) == 0o700
    assert not os.path.exists(os.path.join(tmp, f"colony-{os.geteuid()}"))
