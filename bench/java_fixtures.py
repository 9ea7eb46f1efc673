"""Compiles xlang_tests/java (the Java classes the cross-language benchmarks call)."""

import os
import subprocess
import tempfile

from colony._private.node import bin_dir

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA_SOURCES = os.path.join(REPO, "xlang_tests", "java")


def compile_java_fixtures() -> str:
    """Returns a folder of compiled classes for the job's code search path."""
    classes = tempfile.mkdtemp(prefix="colony-xlang-bench-")
    sources = [os.path.join(root, f) for root, _, files in os.walk(JAVA_SOURCES)
               for f in files if f.endswith(".java")]
    # They use Arrow Java and the runtime: compile against the workers' classpath.
    with open(os.path.join(bin_dir(), "java_classpath.txt")) as f:
        classpath = f.read().strip()
    subprocess.run(["javac", "-cp", classpath, "-d", classes, *sources], check=True)
    return classes
