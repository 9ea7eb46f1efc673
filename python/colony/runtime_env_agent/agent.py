"""RuntimeEnvAgent: what a runtime env's JSON becomes on this node (RuntimeEnvContext)."""

from __future__ import annotations

import json
import os
import threading

from colony._private import runtime_env
from colony.runtime_env_agent import pip_env
from colony.runtime_env_agent.packages import Packages
from colony.runtime_env_agent.resources import ResourceCache

STATE_FILE = "agent_state.json"


class RuntimeEnvAgent:
    def __init__(self, root: str):
        self._root = root
        os.makedirs(root, exist_ok=True)
        self._cache = ResourceCache()
        self._packages = Packages(root, self._cache)
        self._lock = threading.Lock()
        self._requests = {"ok": 0, "failed": 0}

    def create(self, env_json: str) -> dict:
        """The context (RuntimeEnvContext as JSON names) of an env; raises with the reason."""
        try:
            env = json.loads(env_json)
        except ValueError as e:
            raise runtime_env.RuntimeEnvError(f"runtime env is not valid JSON: {e}") from None
        env = runtime_env.validate(env, working_dir_is_uri=True)
        context = {"env_vars": dict(env.get("env_vars", {})), "python_path": [],
                   "java_classpath": []}
        if env.get("working_dir"):
            folder = self._packages.unpacked("working_dir", env["working_dir"])
            context["cwd"] = folder
            context["python_path"].append(folder)
        for uri in env.get("py_modules", []):
            context["python_path"].append(self._packages.unpacked("py_modules", uri))
        for uri in env.get("java_jars", []):
            context["java_classpath"].append(self._packages.jar(uri))
        if env.get("pip"):
            context["python_executable"] = self._pip(env["pip"])
        return context

    def _pip(self, requirements: list) -> str:
        key = pip_env.requirements_hash(requirements)
        env_dir = os.path.join(self._root, "pip", key)
        self._cache.get("pip", key, lambda: pip_env.is_built(env_dir),
                        lambda: pip_env.build(requirements, env_dir))
        return pip_env.python_of(env_dir)

    def handle(self, request: dict) -> dict:
        """One request line's reply."""
        reply = {"request_id": request.get("request_id", 0)}
        try:
            reply["context"] = self.create(request.get("runtime_env_json", ""))
            reply["ok"] = True
        except Exception as e:  # every failure is the env's error, told to the raylet
            reply["ok"] = False
            reply["error"] = str(e) or type(e).__name__
        with self._lock:
            self._requests["ok" if reply["ok"] else "failed"] += 1
        self.write_state()
        return reply

    def state(self) -> dict:
        with self._lock:
            requests = dict(self._requests)
        return {"pid": os.getpid(), "requests": requests, "cache": self._cache.snapshot()}

    def write_state(self) -> None:
        """agent_state.json: the request and cache counts (what was built, reused, failed)."""
        path = os.path.join(self._root, STATE_FILE)
        tmp = f"{path}.tmp-{threading.get_ident()}"
        with open(tmp, "w") as f:
            json.dump(self.state(), f)
        os.replace(tmp, path)
