"""Helpers shared by the integration tests (real processes, no mocks)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(REPO, "python")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    """True if `pid` is a running (non-zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def wait_pids_gone(pids, timeout: float = 10.0):
    pids = list(pids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if pid_alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if pid_alive(p)]


def process_cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def pids_with_cmdline(fragment: str) -> list:
    """Live processes whose command line contains `fragment` (e.g. a session dir)."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            if fragment in process_cmdline(int(name)) and pid_alive(int(name)):
                out.append(int(name))
    return out


def child_pids(pid: int) -> list:
    """Direct children of `pid`."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(name))
    return out


def subprocess_env(**extra) -> dict:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + old if old else "")
    env.pop("COLONY_ADDRESS", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_python(code: str, env: dict | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env or subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)


def max_overlap(intervals) -> int:
    """Largest number of (start, end) intervals that are running at the same instant."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    # At equal timestamps process ends first: touching intervals do not overlap.
    events.sort(key=lambda e: (e[0], e[1]))
    best = cur = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return best


def java_runtime_classpath() -> str:
    """The classpath the raylet starts Java workers with (scripts/install.sh writes it)."""
    import pytest
    from colony._private.node import bin_dir
    path = os.path.join(bin_dir(), "java_classpath.txt")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: scripts/install.sh writes it after 'mvn install'")
    with open(path) as f:
        return f.read().strip()
