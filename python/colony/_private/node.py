"""Starting and stopping a node's processes: the GCS (head only) and the raylet."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

_PR_SET_PDEATHSIG = 1
CLUSTER_FILE = os.path.join(tempfile.gettempdir(), "colony", "current_cluster.json")


def bin_dir() -> str:
    """Folder of colony-gcs and colony-raylet: installed beside the extension."""
    override = os.environ.get("COLONY_BIN_DIR")
    if override:
        return override
    from colony import _core
    return os.path.join(os.path.dirname(_core.__file__), "_bin")


def _die_with_parent():
    # Local clusters started by colony.init() must not outlive a driver that is SIGKILLed.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_for_port_file(path: str, proc: subprocess.Popen, name: str, log: str,
                        timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} while starting; "
                               f"its log {log} ends with:\n{_tail(log)}")
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError(f"{name} did not start within {timeout:.0f}s; see {log}:\n{_tail(log)}")


def _tail(path: str, lines: int = 20) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def _whole(name: str, value) -> str:
    """A node's CPU and GPU counts are whole numbers."""
    if value != int(value):
        raise ValueError(f"{name} of a node must be a whole number, got {value!r}")
    return str(int(value))


def _format_map(values: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in values.items())


def new_session_dir() -> str:
    root = os.path.join(tempfile.gettempdir(), "colony")
    os.makedirs(root, exist_ok=True)
    # Created exclusively: two sessions must never share port files.
    path = tempfile.mkdtemp(prefix=time.strftime("session_%Y-%m-%d_%H-%M-%S_"), dir=root)
    os.makedirs(os.path.join(path, "logs"))
    return path


def _python_path_for_workers() -> str:
    """The driver's import path, so workers can import the modules its functions use."""
    entries = [os.getcwd()] + [p for p in sys.path if p and os.path.isdir(p)]
    old = os.environ.get("PYTHONPATH")
    if old:
        entries.append(old)
    seen, out = set(), []
    for e in entries:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return os.pathsep.join(out)


@dataclass
class NodeProcesses:
    """The processes of one node that this Python process started."""
    session_dir: str
    token: str
    gcs_address: str = ""
    raylet_address: str = ""
    node_ip: str = "127.0.0.1"
    procs: list = field(default_factory=list)
    # Runs the processes inside a network namespace (`ip netns exec NAME`): tests give
    # nodes their own IP addresses this way.
    netns: str | None = None

    def start_gcs(self, port: int = 0, die_with_parent: bool = True,
                  health_check_timeout_ms: int | None = None,
                  spread_threshold: float | None = None) -> None:
        args = ["--port", str(port)]
        if health_check_timeout_ms:
            args += ["--health-check-timeout-ms", str(health_check_timeout_ms)]
        if spread_threshold is not None:
            args += ["--scheduler-spread-threshold", str(float(spread_threshold))]
        port = self._start("colony-gcs", "gcs", args, die_with_parent)
        self.gcs_address = f"{self.node_ip}:{port}"

    def start_raylet(self, num_cpus=None, num_gpus=None, resources=None, memory=None,
                     object_store_memory=None, labels=None, die_with_parent: bool = True,
                     name: str = "raylet", worker_env: dict | None = None,
                     node_id: str | None = None, spread_threshold: float | None = None) -> None:
        args = ["--gcs-address", self.gcs_address, "--node-ip", self.node_ip,
                "--python-executable", sys.executable]
        if spread_threshold is not None:
            args += ["--scheduler-spread-threshold", str(float(spread_threshold))]
        if node_id is not None:
            args += ["--node-id", node_id]
        if num_cpus is not None:
            args += ["--num-cpus", _whole("num_cpus", num_cpus)]
        if num_gpus is not None:
            args += ["--num-gpus", _whole("num_gpus", num_gpus)]
        if memory is not None:
            args += ["--memory", str(int(memory))]
        if object_store_memory is not None:
            args += ["--object-store-memory", str(int(object_store_memory))]
        if resources:
            args += ["--resources", _format_map(resources)]
        if labels:
            args += ["--labels", _format_map(labels)]
        if worker_env:
            args += ["--worker-env", _format_map(worker_env)]
        port = self._start("colony-raylet", name, args, die_with_parent)
        self.raylet_address = f"{self.node_ip}:{port}"

    def _start(self, binary: str, name: str, args: list, die_with_parent: bool) -> int:
        port_file = os.path.join(self.session_dir, f"{name}.port")
        if os.path.exists(port_file):
            os.remove(port_file)  # a stale port would point at a process that is gone
        log = os.path.join(self.session_dir, "logs", f"{name}.log")
        env = dict(os.environ, COLONY_CLUSTER_TOKEN=self.token,
                   PYTHONPATH=_python_path_for_workers())
        cmd = [os.path.join(bin_dir(), binary), *args, "--port-file", port_file,
               "--session-dir", self.session_dir]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        with open(log, "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                    preexec_fn=_die_with_parent if die_with_parent else None,
                                    start_new_session=not die_with_parent)
        self.procs.append(proc)
        return _wait_for_port_file(port_file, proc, binary, log)

    def pids(self) -> list:
        return [p.pid for p in self.procs]

    def stop(self, timeout: float = 5.0) -> None:
        for proc in reversed(self.procs):  # raylet before GCS
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()


def write_cluster_file(info: dict) -> None:
    os.makedirs(os.path.dirname(CLUSTER_FILE), exist_ok=True)
    tmp = CLUSTER_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, CLUSTER_FILE)


def read_cluster_file() -> dict | None:
    try:
        with open(CLUSTER_FILE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
