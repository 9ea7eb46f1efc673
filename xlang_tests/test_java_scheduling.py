"""Label selectors from a Java driver (NodeLabelSchedulingStrategy, java/README.md) on a real
three-node cluster: where each task and actor ran says whether the selector reached the
schedulers as Python's does."""

import os
import shutil
import subprocess

import pytest

import colony

from colony._private.node import bin_dir
from colony.cluster_utils import Cluster
from colony_testutil import java_runtime_classpath

HERE = os.path.dirname(os.path.abspath(__file__))
JVM_FLAGS = ["--add-opens=java.base/java.nio=ALL-UNNAMED"]


@pytest.fixture
def labelled_cluster():
    cluster = Cluster(head_node_args={"num_cpus": 1, "labels": {"zone": "a"}})
    b = cluster.add_node(num_cpus=1, labels={"zone": "b", "disk": "ssd"})
    c = cluster.add_node(num_cpus=1, labels={"zone": "c"})
    cluster.connect()  # a Python driver only to wait for the nodes; the Java one does the work
    cluster.wait_for_nodes(timeout=60)
    yield cluster, cluster.head_node.node_id, b.node_id, c.node_id
    colony.shutdown()
    cluster.shutdown()


def test_java_label_selectors_place_work_on_matching_nodes(labelled_cluster, tmp_path):
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    cluster, a, b, c = labelled_cluster
    classpath = java_runtime_classpath()
    subprocess.run(["javac", "-cp", classpath, "-d", str(tmp_path),
                    os.path.join(HERE, "java_driver", "xdriver", "LabelPlacement.java")],
                   check=True)
    env = dict(os.environ, COLONY_BIN_DIR=bin_dir(), COLONY_ADDRESS=cluster.gcs_address,
               COLONY_CLUSTER_TOKEN=cluster._token)
    result = subprocess.run(["java", *JVM_FLAGS, "-cp", f"{tmp_path}:{classpath}",
                             "xdriver.LabelPlacement"], capture_output=True, text=True,
                            timeout=600, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["in_b"] == b
    assert lines["not_in_a_b"] == c
    assert lines["no_disk_in_a_b"] == a
    assert lines["soft_disk"] == b
    assert lines["actor_in_c"] == c
    assert lines["in_d_ran"] == "false"
