"""A Java driver calling Python functions and actors on a real local cluster."""

import os
import shutil
import subprocess

import pytest

from colony._private.node import bin_dir
from colony_testutil import java_runtime_classpath

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "java_driver")


def compile_driver(out) -> str:
    """Compiles the Java driver into `out`; returns the classpath to run it with."""
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    classpath = java_runtime_classpath()
    sources = [os.path.join(DRIVER, "xdriver", name)
               for name in ("CallPython.java", "ArrowToPython.java", "PutForPython.java")]
    subprocess.run(["javac", "-cp", classpath, "-d", str(out), *sources], check=True)
    # The driver's classpath is its job's code search path: the Python module sits there too.
    shutil.copy(os.path.join(DRIVER, "py_fixtures.py"), out)
    return f"{out}:{classpath}"


# Arrow Java needs it in every JVM that reads or writes ARROW values (java/README.md).
JVM_FLAGS = ["--add-opens=java.base/java.nio=ALL-UNNAMED"]


def run_driver(classpath: str, env: dict, main: str = "xdriver.CallPython") -> dict:
    result = subprocess.run(["java", *JVM_FLAGS, "-cp", classpath, main],
                            capture_output=True, text=True, timeout=180, env=env,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_java_driver_calls_python(tmp_path):
    classpath = compile_driver(tmp_path)
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    lines = run_driver(classpath, env)
    assert lines["add"] == "5"
    assert lines["echo"] == "{k=[1, x]}"
    assert lines["counter"] == "16"
    assert lines["error"] == "PYTHON/builtins.ValueError/bad input"
    assert lines["unknown"] == "true"


def test_java_driver_exchanges_arrow_tables_with_python(tmp_path):
    classpath = compile_driver(tmp_path)
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    lines = run_driver(classpath, env, "xdriver.ArrowToPython")
    rows = 200_000
    # Colony.put of a VectorSchemaRoot: Python reads it in place.
    assert lines["python_saw"] == f"{rows}/{rows * (rows - 1) // 2}/true"
    # A VectorSchemaRoot passed as an argument.
    assert lines["python_got_argument"] == f"{rows}/{rows * (rows - 1) // 2}"
    # A pyarrow Table returned to Java: read in place there too.
    assert lines["java_got"] == f"{rows}/{(rows - 1) / 2}/true"
    assert lines["array"] == "[0.0, 1.0, 2.0, 3.0, 4.0]"
    assert lines["arrow_bytes_held"] == "0"


def test_python_reads_what_a_java_driver_puts(tmp_path):
    """Colony.put of neutral values (Long, Double, String, byte[], lists, maps, refs) stores
    XLANG, which Python reads as plain data; an Integer list stays Java-only, with a clear
    error; Java still reads its own values back as it put them."""
    classpath = compile_driver(tmp_path)
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    lines = run_driver(classpath, env, "xdriver.PutForPython")
    assert lines["list"] == "list:[1, 2]"
    assert lines["map"] == ("dict:{'name': 'héllo', 'bytes': b'\\x00\\x01\\xff', "
                            "'xs': [1.5, True], 'none': None}")
    assert lines["string"] == "str:'text'"
    assert lines["big_total"] == str(sum(range(50_000)))
    assert lines["refs_total"] == "84"
    assert "metadata b'JAVA'" in lines["java_only"], lines["java_only"]
    assert "Integer" in lines["java_only"]
    assert lines["java_reads"] == "Long"


def test_java_driver_joins_a_running_cluster(tmp_path):
    """`colony start --head`, then a Java driver with COLONY_ADDRESS=auto (relative classpath
    entries must still reach the cluster's workers, which run elsewhere)."""
    import sys
    classes = tmp_path / "classes"
    classes.mkdir()
    classpath = compile_driver(classes)
    env = dict(os.environ, TMPDIR=str(tmp_path), COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    cli = [sys.executable, "-m", "colony.scripts.cli"]
    subprocess.run([*cli, "start", "--head", "--num-cpus", "2"], env=env, check=True,
                   capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    try:
        relative = os.path.relpath(classes, tmp_path) + ":" + classpath.split(":", 1)[1]
        result = subprocess.run(["java", *JVM_FLAGS, "-cp", relative, "xdriver.CallPython"],
                                cwd=tmp_path,
                                capture_output=True, text=True, timeout=180,
                                env={**env, "COLONY_ADDRESS": "auto"}, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "add=5" in result.stdout and "counter=16" in result.stdout
    finally:
        subprocess.run([*cli, "stop"], env=env, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
