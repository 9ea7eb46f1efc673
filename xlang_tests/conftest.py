import os
import shutil
import subprocess
import sys

import pytest

import colony

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "python"))
from colony_testutil import java_runtime_classpath  # noqa: E402 (needs the path above)
VECTORS = os.path.join(HERE, "vectors")


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory):
    """xlang_tests/java compiled into a folder for the job's code search path."""
    if shutil.which("javac") is None:
        pytest.fail("javac is needed for the cross-language tests (scripts/install.sh installs it)")
    out = tmp_path_factory.mktemp("java-classes")
    sources = [os.path.join(root, f) for root, _, files in os.walk(os.path.join(HERE, "java"))
               for f in files if f.endswith(".java")]
    # The fixtures use Arrow Java and the runtime (zero-copy checks): the workers' classpath.
    subprocess.run(["javac", "-cp", java_runtime_classpath(), "-d", str(out), *sources],
                   check=True)
    return str(out)



@pytest.fixture(scope="module")
def xlang_cluster(java_classes):
    colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[java_classes, HERE]))
    yield
    colony.shutdown()
