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
CLUSTER_FILE_NAME = "current_cluster.json"
DEFAULT_DASHBOARD_PORT = 8265


def state_dir_path() -> str:
    """This user's Colony folder: $COLONY_STATE_DIR, else <temp dir>/colony-<uid>.

    It holds the cluster file (with the cluster token) and the session folders (sockets,
    logs, spill files). Not $XDG_RUNTIME_DIR: that is a small tmpfs, and spill files are big.
    """
    return os.environ.get("COLONY_STATE_DIR") or os.path.join(tempfile.gettempdir(),
                                                                f"colony-{os.geteuid()}")


def ensure_private_dir(path: str) -> str:
    """Creates `path` as a 0700 folder of this user, or checks that it is one.

    A folder of another user is refused (it could read our token or plant files); ours with
    group or world access is tightened to 0700. Symbolic links are refused too.
    """
    try:
        os.mkdir(path, 0o700)  # atomic: nobody can see it before it has its mode
    except FileExistsError:
        pass
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as e:
        raise RuntimeError(f"cannot use {path} as Colony's private folder: {e.strerror} "
                           "(it must be a folder, not a link; set COLONY_STATE_DIR to use "
                           "another)") from None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            raise RuntimeError(
                f"refusing to use {path}: it belongs to uid {st.st_uid}, not to this user "
                f"(uid {os.geteuid()}); another user may have created it to read your cluster "
                "token. Remove it or set COLONY_STATE_DIR to a folder of yours")
        if st.st_mode & 0o7777 != 0o700:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path


def state_dir() -> str:
    """This user's private Colony folder (created 0700 if missing); see state_dir_path."""
    return ensure_private_dir(state_dir_path())


def cluster_file() -> str:
    return os.path.join(state_dir_path(), CLUSTER_FILE_NAME)


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


def _real_usage_args(real_usage: bool, memory_pressure_threshold) -> list:
    """Flags of --scheduler-real-usage (the GCS and every raylet take the same)."""
    if not isinstance(real_usage, bool):
        raise TypeError(f"real_usage must be a bool, got {real_usage!r}")
    args = ["--scheduler-real-usage", "true"] if real_usage else []
    if memory_pressure_threshold is not None:
        t = memory_pressure_threshold
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 1:
            raise ValueError(f"memory_pressure_threshold must be a number in (0, 1], got {t!r}")
        args += ["--memory-pressure-threshold", str(float(t))]
    return args


def _format_names(what: str, names) -> str:
    """Resource names as the daemons take them: NAME,NAME,..."""
    if isinstance(names, str) or not all(isinstance(n, str) and n and "," not in n
                                          for n in names):
        raise ValueError(f"{what} must be a list of resource names (non-empty, no commas), "
                         f"got {names!r}")
    return ",".join(names)


def _format_map(values: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in values.items())


def new_session_dir() -> str:
    root = state_dir()
    # Created exclusively (and 0700): two sessions must never share port files.
    path = tempfile.mkdtemp(prefix=time.strftime("session_%Y-%m-%d_%H-%M-%S_"), dir=root)
    os.makedirs(os.path.join(path, "logs"), mode=0o700)
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
    # {"ca", "cert", "key"} file paths: gRPC over TLS (colony/_private/tls.py).
    tls: dict | None = None
    dashboard_address: str = ""
    metrics_address: str = ""  # the node's metrics agent, HOST:PORT

    def start_gcs(self, port: int = 0, die_with_parent: bool = True,
                  health_check_timeout_ms: int | None = None,
                  spread_threshold: float | None = None, storage: str | None = None,
                  cluster_id: str | None = None, scarce_resources=None,
                  real_usage: bool = False,
                  memory_pressure_threshold: float | None = None,
                  standby: bool = False, leader_lease_ms: int | None = None,
                  name: str = "gcs", wait: bool = True) -> None:
        """`storage`: "memory" (default) or "redis://HOST:PORT[/DB]" (docs/fault_tolerance.md;
        the password comes from COLONY_REDIS_PASSWORD); `cluster_id` names this cluster's
        keys in a shared Redis. `standby`: serve only while holding the cluster's leader
        lease in Redis (needs Redis storage and a fixed port; docs/fault_tolerance.md
        "Standby head"); with `wait=False` this returns without waiting for it to serve."""
        args = ["--port", str(port)]
        if standby:
            args.append("--standby")
        if leader_lease_ms is not None:
            args += ["--leader-lease-ms", str(int(leader_lease_ms))]
        if storage:
            args += ["--storage", storage]
        if cluster_id:
            args += ["--cluster-id", cluster_id]
        if health_check_timeout_ms:
            args += ["--health-check-timeout-ms", str(health_check_timeout_ms)]
        if spread_threshold is not None:
            args += ["--scheduler-spread-threshold", str(float(spread_threshold))]
        if scarce_resources:
            args += ["--scarce-resources", _format_names("scarce_resources", scarce_resources)]
        args += _real_usage_args(real_usage, memory_pressure_threshold)
        port = self._start("colony-gcs", name, args, die_with_parent, wait=wait)
        self.gcs_address = f"{self.node_ip}:{port}"

    # Workers' cgroups (docs/isolation.md): auto picks cgroup v2, then v1, then off.
    WORKER_ISOLATION_MODES = ("auto", "cgroupv1", "cgroupv2", "off")

    def start_raylet(self, num_cpus=None, num_gpus=None, resources=None, memory=None,
                     object_store_memory=None, labels=None, die_with_parent: bool = True,
                     name: str = "raylet", worker_env: dict | None = None,
                     node_id: str | None = None, spread_threshold: float | None = None,
                     scarce_resources=None, real_usage: bool = False,
                     memory_pressure_threshold: float | None = None,
                     worker_isolation: str | None = None) -> None:
        args = ["--gcs-address", self.gcs_address, "--node-ip", self.node_ip,
                "--python-executable", sys.executable]
        if worker_isolation is not None:
            if worker_isolation not in self.WORKER_ISOLATION_MODES:
                raise ValueError(f"worker_isolation must be one of {', '.join(self.WORKER_ISOLATION_MODES)}, "
                                 f"got {worker_isolation!r}")
            args += ["--worker-isolation", worker_isolation]
        if scarce_resources:
            args += ["--scarce-resources", _format_names("scarce_resources", scarce_resources)]
        args += _real_usage_args(real_usage, memory_pressure_threshold)
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
            builtin = [k for k in labels if isinstance(k, str) and k.startswith("colony.io/")]
            if builtin:
                raise ValueError(f"label {builtin[0]!r}: keys starting with colony.io/ are built "
                                 f"in (colony.io/node-id, colony.io/hostname)")
            args += ["--labels", _format_map(labels)]
        if worker_env:
            args += ["--worker-env", _format_map(worker_env)]
        port = self._start("colony-raylet", name, args, die_with_parent)
        self.raylet_address = f"{self.node_ip}:{port}"

    def start_dashboard(self, port: int = DEFAULT_DASHBOARD_PORT, die_with_parent: bool = True,
                        port_fallback: bool = False) -> str:
        """Starts the head's web process (the job API, docs/jobs.md) on `port`
        (`port_fallback`: any free port if that one is taken); returns its HOST:PORT."""
        args = ["--gcs-address", self.gcs_address, "--node-ip", self.node_ip,
                "--port", str(int(port))]
        if port_fallback:
            args.append("--port-fallback")
        port = self._start([sys.executable, "-m", "colony.dashboard"], "dashboard", args,
                           die_with_parent)
        self.dashboard_address = f"{self.node_ip}:{port}"
        return self.dashboard_address

    def start_metrics_agent(self, port: int = 0, die_with_parent: bool = True,
                            raylet_name: str = "raylet") -> str:
        """Starts the node's metrics agent (`python -m colony.metrics_agent`,
        docs/observability.md) after its raylet; returns its HOST:PORT."""
        args = ["--gcs-address", self.gcs_address, "--node-ip", self.node_ip,
                "--raylet-port-file", os.path.join(self.session_dir, f"{raylet_name}.port"),
                "--port", str(int(port))]
        port = self._start([sys.executable, "-m", "colony.metrics_agent"], "metrics_agent", args,
                           die_with_parent)
        self.metrics_address = f"{self.node_ip}:{port}"
        return self.metrics_address

    def _start(self, binary, name: str, args: list, die_with_parent: bool,
               wait: bool = True) -> int:
        """`binary`: a file of bin_dir(), or a whole command line prefix (a list).
        `wait=False`: returns the --port it was given instead of waiting for it to serve."""
        port_file = os.path.join(self.session_dir, f"{name}.port")
        if os.path.exists(port_file):
            os.remove(port_file)  # a stale port would point at a process that is gone
        log = os.path.join(self.session_dir, "logs", f"{name}.log")
        env = dict(os.environ, COLONY_CLUSTER_TOKEN=self.token,
                   PYTHONPATH=_python_path_for_workers())
        if self.tls:
            from colony._private import tls
            env.update(tls.env_of(self.tls))
        prefix = list(binary) if isinstance(binary, list) else [os.path.join(bin_dir(), binary)]
        cmd = [*prefix, *args, "--port-file", port_file, "--session-dir", self.session_dir]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        with open(log, "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                    preexec_fn=_die_with_parent if die_with_parent else None,
                                    start_new_session=not die_with_parent)
        self.procs.append(proc)
        if not wait:
            return int(args[args.index("--port") + 1])
        return _wait_for_port_file(port_file, proc, name if isinstance(binary, list) else binary,
                                   log)

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


def write_private_file(path: str, data: bytes) -> None:
    """Writes `path` as a 0600 file, atomically: a new file made 0600, then renamed over."""
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                               dir=os.path.dirname(path))  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_cluster_file(info: dict) -> None:
    state_dir()
    write_private_file(cluster_file(), json.dumps(info).encode())


def read_cluster_file() -> dict | None:
    path = cluster_file()
    if not os.path.exists(path):
        return None
    state_dir()  # refuses a folder of another user before trusting what it holds
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def remove_cluster_file() -> None:
    try:
        os.remove(cluster_file())
    except FileNotFoundError:
        pass
