"""The runtime-env agent alone (colony/runtime_env_agent/): its line protocol, building each
cached thing once under concurrent requests, and never keeping a failed build. The raylet
side is covered by the C++ RuntimeEnvPoolTest and the cluster tests test_runtime_env*.py."""

import json
import os
import subprocess
import sys
import threading

import pytest

from colony._private import runtime_env
from colony.runtime_env_agent.resources import ResourceCache


def test_concurrent_requests_for_one_key_build_it_once():
    cache = ResourceCache()
    built, release = [], threading.Event()
    inside = threading.Event()

    def build():
        inside.set()
        assert release.wait(30)
        built.append(1)

    threads = [threading.Thread(target=cache.get, args=("pip", "k", lambda: bool(built), build))
               for _ in range(4)]
    for t in threads:
        t.start()
    assert inside.wait(30)  # one build runs; the others wait on the key
    release.set()
    for t in threads:
        t.join(30)
    assert built == [1]
    assert cache.snapshot()["pip"]["k"] == {"builds": 1, "hits": 3, "failures": 0}


def test_a_failed_build_is_not_kept():
    cache = ResourceCache()
    done = []

    def failing():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get("pip", "k", lambda: bool(done), failing)
    cache.get("pip", "k", lambda: bool(done), lambda: done.append(1))
    assert done == [1]
    assert cache.snapshot()["pip"]["k"] == {"builds": 1, "hits": 0, "failures": 1}


def test_the_line_protocol(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "mod.py").write_text("X = 1\n")
    root = tmp_path / "agent"
    (root / "packages").mkdir(parents=True)
    digest, data = runtime_env.pack_dir(str(src))
    (root / "packages" / f"{digest}.zip").write_bytes(data)
    uri = runtime_env.package_uri(digest)
    requests = [{"request_id": str(i), "runtime_env_hash": f"h{i}",
                 "runtime_env_json": json.dumps({"working_dir": uri, "env_vars": {"I": str(i)}})}
                for i in range(4)]
    requests.append({"request_id": "9", "runtime_env_hash": "bad",
                     "runtime_env_json": json.dumps({"py_modules": ["pkg://" + "1" * 64]})})
    lines = "\n".join(json.dumps(r) for r in requests) + "\nnot json\n"
    proc = subprocess.run([sys.executable, "-m", "colony.runtime_env_agent", "--resources-dir",
                           str(root)], input=lines, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr  # stdin closed: the agent ends
    replies = {r["request_id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert set(replies) == {"0", "1", "2", "3", "9"}
    folder = str(root / "working_dir" / digest)
    for i in range(4):
        ctx = replies[str(i)]["context"]
        assert replies[str(i)]["ok"] and ctx["cwd"] == folder and ctx["python_path"] == [folder]
        assert ctx["env_vars"] == {"I": str(i)}
    assert not replies["9"]["ok"] and "was not fetched to this node" in replies["9"]["error"]
    assert "not a request" in proc.stderr
    assert os.path.exists(os.path.join(folder, "mod.py"))
    state = json.loads((root / "agent_state.json").read_text())
    assert state["cache"]["working_dir"][digest] == {"builds": 1, "hits": 3, "failures": 0}
    assert state["requests"] == {"ok": 4, "failed": 1}
