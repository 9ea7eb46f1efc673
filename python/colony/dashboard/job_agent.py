"""The job agent: runs submitted entrypoints as supervised driver processes on this node.

Each entrypoint runs under `/bin/sh -c` (a plain command replaces the shell) in a process
group of its own, dying with the agent, with its output
(stdout and stderr) in `<log dir>/job-driver-<submission id>.log`, and with the
environment that makes `colony.init()` (Python) and `Colony.init()` (Java) join this
cluster: COLONY_ADDRESS, COLONY_CLUSTER_TOKEN (and the TLS files, if any), and
COLONY_JOB_SUBMISSION_ID. Stopping a job SIGTERMs its group (a Python driver started this
way turns SIGTERM into SystemExit, a Java driver runs its shutdown hook, so each ends its
job cleanly) and SIGKILLs what is left after a grace period; the raylet then ends the
driver's leases and the GCS its actors, as for any driver that exits.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from colony._private import runtime_env
from colony.dashboard.packages import PackageStore

SUBMISSION_ID_ENV = "COLONY_JOB_SUBMISSION_ID"
_PR_SET_PDEATHSIG = 1
WORKING_DIR_ENV = "COLONY_JOB_WORKING_DIR"
JOB_RUNTIME_ENV_ENV = "COLONY_JOB_RUNTIME_ENV"  # the job's whole runtime_env, JSON


@dataclass
class _Run:
    submission_id: str
    proc: subprocess.Popen | None = None
    stop_requested: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class JobAgent:
    """Starts, watches and stops driver processes. Thread-safe."""

    def __init__(self, log_dir: str, packages: PackageStore, driver_env: dict,
                 default_cwd: str, stop_grace_s: float = 5.0):
        self._log_dir = log_dir
        self._packages = packages
        self._driver_env = dict(driver_env)
        self._default_cwd = default_cwd
        self._grace = stop_grace_s
        self._lock = threading.Lock()
        self._runs: dict = {}

    def log_path(self, submission_id: str) -> str:
        return os.path.join(self._log_dir, f"job-driver-{submission_id}.log")

    def start(self, submission_id: str, entrypoint: str, env: dict,
              on_running: Callable[[int], None],
              on_exit: Callable[[int | None, str, bool], None]) -> None:
        """Runs `entrypoint` on a thread of its own. `on_running(pid)` once the process is
        started; `on_exit(exit_code, message, stopped)` once it has ended (exit_code None:
        it never started)."""
        run = _Run(submission_id)
        with self._lock:
            self._runs[submission_id] = run
        threading.Thread(target=self._supervise, args=(run, entrypoint, env, on_running, on_exit),
                         name=f"job-{submission_id}", daemon=True).start()

    def stop(self, submission_id: str) -> bool:
        """Asks a running job to end. False if it is not running here."""
        with self._lock:
            run = self._runs.get(submission_id)
            if run is None or run.done.is_set():
                return False
            run.stop_requested = True
            proc = run.proc
        if proc is not None:
            threading.Thread(target=self._terminate, args=(proc,), daemon=True).start()
        return True

    def stop_all(self) -> None:
        with self._lock:
            runs = dict(self._runs)
        for sid in runs:
            self.stop(sid)
        for run in runs.values():
            run.done.wait(self._grace + 5)

    def _terminate(self, proc: subprocess.Popen) -> None:
        """SIGTERM to the driver's process group; SIGKILL to what is left after the grace."""
        pgid = proc.pid  # start_new_session: the shell leads its own group
        _killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        while time.monotonic() < deadline and _group_alive(pgid):
            time.sleep(0.05)
        _killpg(pgid, signal.SIGKILL)

    def _supervise(self, run: _Run, entrypoint: str, env: dict, on_running, on_exit) -> None:
        try:
            self._run_driver(run, entrypoint, env, on_running, on_exit)
        finally:
            run.done.set()
            with self._lock:  # a finished job is not "running here" any more
                if self._runs.get(run.submission_id) is run:
                    del self._runs[run.submission_id]

    def _run_driver(self, run: _Run, entrypoint: str, env: dict, on_running, on_exit) -> None:
        log_path = self.log_path(run.submission_id)
        try:
            with open(log_path, "ab") as log:
                try:
                    cwd, proc_env = self._prepare(run.submission_id, env)
                except (runtime_env.RuntimeEnvError, OSError) as e:  # bad package, full disk
                    log.write(f"colony: the job could not start: {e}\n".encode())
                    run.done.set()
                    on_exit(None, f"the job could not start: {e}", False)
                    return
                with self._lock:
                    if run.stop_requested:
                        run.done.set()
                        on_exit(None, "stopped before its driver started", True)
                        return
                    try:
                        run.proc = subprocess.Popen(
                            ["/bin/sh", "-c", _shell_command(entrypoint)], cwd=cwd,
                            env=proc_env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_term_with_agent)
                    except OSError as e:
                        run.done.set()
                        on_exit(None, f"the driver could not be started: {e}", False)
                        return
                on_running(run.proc.pid)
                code = run.proc.wait()
        except OSError as e:  # the log file itself
            run.done.set()
            on_exit(None, f"the job could not start: cannot write {log_path}: {e.strerror}",
                    False)
            return
        if run.stop_requested:
            # The shell may go before its children; stopping means the whole group ends.
            self._terminate(run.proc)
        run.done.set()
        on_exit(code, _describe_exit(code, log_path), run.stop_requested)

    def _prepare(self, submission_id: str, env: dict) -> tuple:
        """The driver's folder and environment, unpacking its working_dir if it has one."""
        proc_env = dict(self._driver_env)
        proc_env[SUBMISSION_ID_ENV] = submission_id
        proc_env["PYTHONUNBUFFERED"] = "1"  # so its log follows its prints
        cwd = self._default_cwd
        if env.get("working_dir"):
            cwd = self._packages.local_dir(env["working_dir"])
            proc_env[WORKING_DIR_ENV] = cwd
            old = proc_env.get("PYTHONPATH")
            proc_env["PYTHONPATH"] = cwd + (os.pathsep + old if old else "")
        # py_modules are importable in the driver too.
        modules = [self._packages.local_dir(uri) for uri in env.get("py_modules") or []]
        if modules:
            old = proc_env.get("PYTHONPATH")
            proc_env["PYTHONPATH"] = os.pathsep.join(modules + ([old] if old else []))
        proc_env.update(env.get("env_vars") or {})
        if env:
            # colony.init() in the driver makes it the job's runtime env: the job's tasks
            # and actors run in it on every node (docs/runtime_env.md).
            proc_env[JOB_RUNTIME_ENV_ENV] = json.dumps(env)
        return cwd, proc_env


# Shell syntax beyond one plain command: such entrypoints keep their shell as the parent.
_SHELL_SYNTAX = re.compile(r"[;&|<>()`$\n]")
# Builtins and keywords that `exec` cannot run.
_SHELL_WORDS = {"exit", "cd", "export", "set", "unset", "source", ".", "eval", "exec", "if",
                "for", "while", "until", "case", "{", "!", "return", "shift", "trap", "wait",
                "read", "ulimit", "umask", "alias", "readonly", "local", "type", "command"}


def _shell_command(entrypoint: str) -> str:
    """A plain command replaces its shell (`exec`), so the driver is the agent's own child:
    it gets the agent's SIGTERM directly and dies with the agent (_term_with_agent)."""
    first = entrypoint.split(None, 1)[0] if entrypoint.strip() else ""
    if _SHELL_SYNTAX.search(entrypoint) or "=" in first or first in _SHELL_WORDS:
        return entrypoint
    return "exec " + entrypoint


def _term_with_agent() -> None:
    # Drivers must not outlive the agent that supervises them (it alone can stop them).
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _describe_exit(code: int, log_path: str) -> str:
    if code == 0:
        return "the entrypoint exited with code 0"
    why = (f"the entrypoint was killed by signal {-code}" if code < 0
           else f"the entrypoint exited with code {code}")
    tail = _tail(log_path, 5)
    return why + (f"; the last lines of its output:\n{tail}" if tail else "")


def _tail(path: str, lines: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4096))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])
