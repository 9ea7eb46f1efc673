"""A Java driver calling Python functions and actors on a real local cluster."""

import os
import shutil
import subprocess

import pytest

from colony._private.node import bin_dir

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "java_driver")


def java_runtime_classpath() -> str:
    path = os.path.join(bin_dir(), "java_classpath.txt")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: scripts/install.sh writes it after 'mvn install'")
    with open(path) as f:
        return f.read().strip()


def test_java_driver_calls_python(tmp_path):
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    classpath = java_runtime_classpath()
    sources = [os.path.join(DRIVER, "xdriver", "CallPython.java")]
    subprocess.run(["javac", "-cp", classpath, "-d", str(tmp_path), *sources], check=True)
    # The driver's classpath is its job's code search path: the Python module sits there too.
    shutil.copy(os.path.join(DRIVER, "py_fixtures.py"), tmp_path)
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    result = subprocess.run(["java", "-cp", f"{tmp_path}:{classpath}", "xdriver.CallPython"],
                            capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["add"] == "5"
    assert lines["echo"] == "{k=[1, x]}"
    assert lines["counter"] == "16"
    assert lines["error"] == "PYTHON/builtins.ValueError/bad input"
    assert lines["unknown"] == "true"
