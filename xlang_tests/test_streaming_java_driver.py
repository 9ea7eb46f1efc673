"""A Java-built streaming job with a Python operator (issue 21): Java source -> Python map ->
Java key_by and count window -> Java file sink, from a Java driver, on a real local cluster;
and the same with the Python operator's workers SIGKILLed mid-stream (exactly-once output)."""

import collections
import json
import os
import shutil
import signal
import subprocess

import pytest

from colony._private.node import bin_dir
from colony_testutil import child_pids, java_runtime_classpath, process_cmdline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DRIVER = os.path.join(HERE, "streaming_java_driver")
JVM_FLAGS = ["--add-opens=java.base/java.nio=ALL-UNNAMED"]
STREAMING_CLASSES = os.path.join(ROOT, "java", "streaming", "target", "classes")


def streaming_classpath(tmp_dir) -> list:
    """The java/streaming module's classes and its runtime dependencies (from Maven's local
    repository) that the workers' classpath lacks."""
    if not os.path.exists(os.path.join(STREAMING_CLASSES, "io/colony/streaming/StreamingContext.class")):
        pytest.fail("java/streaming is not built: run 'mvn install' in java/ (scripts/install.sh)")
    out = os.path.join(tmp_dir, "deps.txt")
    subprocess.run(["mvn", "-q", "-B", "-o", "dependency:build-classpath", "-DincludeScope=runtime",
                    f"-Dmdep.outputFile={out}"], cwd=os.path.join(ROOT, "java", "streaming"),
                   check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        deps = [d for d in f.read().strip().split(os.pathsep) if d]
    have = set(java_runtime_classpath().split(os.pathsep))
    return [STREAMING_CLASSES, *[d for d in deps if d not in have]]


def compile_driver(tmp_path) -> str:
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    classes = tmp_path / "classes"
    classes.mkdir()
    cp = os.pathsep.join([java_runtime_classpath(), *streaming_classpath(str(tmp_path))])
    subprocess.run(["javac", "-cp", cp, "-d", str(classes),
                    os.path.join(DRIVER, "xstream", "MixedJob.java")], check=True)
    # The driver's classpath is its job's code search path: the Python module sits there too.
    shutil.copy(os.path.join(DRIVER, "py_stream.py"), classes)
    return f"{classes}{os.pathsep}{cp}"


def expected(lines: int) -> list:
    """Every third occurrence of a word fires its window: [word, 3]."""
    counts = collections.Counter(f"w{n % 7}" for n in range(lines))
    return sorted(json.dumps([w, 3]) for w, n in counts.items() for _ in range(n // 3))


def committed(folder) -> list:
    out = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("part-") and name.endswith(".jsonl"):
            with open(os.path.join(folder, name)) as f:
                out.extend(json.dumps(json.loads(line)) for line in f if line.strip())
    return sorted(out)


def driver_env():
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir())
    env.pop("COLONY_ADDRESS", None)
    return env


def test_java_source_python_map_java_window_and_sink(tmp_path):
    classpath = compile_driver(tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(["java", *JVM_FLAGS, "-cp", classpath, "xstream.MixedJob", str(out),
                             "700", "0"], capture_output=True, text=True, timeout=300,
                            env=driver_env(), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "status=FINISHED" in result.stdout
    assert committed(out) == expected(700)


def python_workers_under(pid: int) -> list:
    """Python worker processes in the process tree of `pid` (the Java driver's local cluster)."""
    found, todo = [], [pid]
    while todo:
        for child in child_pids(todo.pop()):
            todo.append(child)
            line = process_cmdline(child)
            if "python" in line and "worker" in line:
                found.append(child)
    return found


def test_sigkill_of_the_python_operator_keeps_exactly_once(tmp_path):
    classpath = compile_driver(tmp_path)
    out = tmp_path / "out"
    gate = tmp_path / "gate"  # the source waits at half its input until it exists
    driver = subprocess.Popen(["java", *JVM_FLAGS, "-cp", classpath, "xstream.MixedJob", str(out),
                               "1500", "5", "kill", str(gate)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
                              env=driver_env())
    try:
        seen = []
        for line in driver.stdout:
            seen.append(line)
            if line.startswith("ready_to_kill="):
                break
        assert any(s.startswith("status_before_kill=RUNNING") for s in seen), seen
        victims = python_workers_under(driver.pid)
        assert victims, "no Python worker found under the Java driver"
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        gate.touch()
        driver.stdin.write("\n")
        driver.stdin.flush()
        stdout, stderr = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
    text = "".join(seen) + stdout
    assert driver.returncode == 0, text + stderr
    assert "status=FINISHED" in text
    restarts = int(text.split("restarts=")[1].split()[0])
    assert restarts >= 1, text
    assert committed(out) == expected(1500)
