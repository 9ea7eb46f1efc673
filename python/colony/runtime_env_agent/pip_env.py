"""pip virtualenvs: one per requirement set (and interpreter) on each node, shared by every
env that asks for the same set.

`python -m venv --system-site-packages --without-pip` makes the env (Colony and its
dependencies stay importable, pip comes from the base interpreter). Packages come from a
wheel folder that outlives sessions, `$COLONY_PIP_CACHE_DIR/wheels` (default
~/.cache/colony-pip): pip first installs from it alone (no network), and only when that
cannot satisfy the requirements downloads them into it (`pip download`, which also keeps
pip's HTTP cache there) and installs from it again. So a CI machine fetches a package once.
The env counts as built once the marker file is written, after pip succeeded; a failed
build is removed, so the next request tries again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

MARKER = ".colony-ready"


class PipError(Exception):
    pass


def requirements_hash(requirements: list) -> str:
    text = "\n".join(sorted(set(requirements))) + "\n" + sys.version
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def pip_cache_dir() -> str:
    return os.environ.get("COLONY_PIP_CACHE_DIR") or os.path.expanduser("~/.cache/colony-pip")


def python_of(env_dir: str) -> str:
    return os.path.join(env_dir, "bin", "python")


def is_built(env_dir: str) -> bool:
    return os.path.exists(os.path.join(env_dir, MARKER))


def build(requirements: list, env_dir: str, timeout_s: float | None = None) -> None:
    if timeout_s is None:
        timeout_s = float(os.environ.get("COLONY_PIP_TIMEOUT_S", "900"))
    shutil.rmtree(env_dir, ignore_errors=True)  # what a crashed build left
    try:
        _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env_dir],
             "could not create a virtualenv", timeout_s)
        req_file = os.path.join(env_dir, "requirements.txt")
        with open(req_file, "w") as f:
            f.write("\n".join(requirements) + "\n")
        wheels = os.path.join(pip_cache_dir(), "wheels")
        os.makedirs(wheels, exist_ok=True)
        pip = [python_of(env_dir), "-m", "pip"]
        common = ["--disable-pip-version-check", "--no-input", "--cache-dir", pip_cache_dir()]
        offline = pip + ["install", *common, "--no-index", "--find-links", wheels, "-r", req_file]
        try:
            _run(offline, "", timeout_s)
        except PipError:  # not all in the wheel folder yet: fetch them, then install offline
            _run(pip + ["download", *common, "--dest", wheels, "-r", req_file],
                 f"pip could not download {requirements}", timeout_s)
            _run(offline, f"pip could not install {requirements}", timeout_s)
        with open(os.path.join(env_dir, MARKER), "w") as f:
            f.write("ok\n")
    except BaseException:
        shutil.rmtree(env_dir, ignore_errors=True)
        raise


def _run(cmd: list, what: str, timeout_s: float) -> None:
    env = dict(os.environ, PIP_NO_INPUT="1")
    env.pop("PYTHONHOME", None)
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        raise PipError(f"{what}: it took longer than {timeout_s:.0f} s "
                       "(COLONY_PIP_TIMEOUT_S)") from None
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines[-5:]
        raise PipError(f"{what}: " + " | ".join(errors[-5:]))
