"""Virtual clusters are a GCS table like the others: with the GCS on Redis, a killed and
restarted GCS reloads them with their members, and jobs still run only there. Real
redis-server, real processes (docs/virtual_clusters.md)."""

import json
import os
import subprocess
import sys
import time

import pytest

import colony
from colony.cluster_utils import Cluster
from colony import virtual_cluster as vc
from redis_util import RedisServer

SCRIPT = """
import json
import colony

@colony.remote(num_cpus=0.5, scheduling_strategy="SPREAD")
def where():
    return colony.get_runtime_context().get_node_id()

colony.init(job_config=colony.JobConfig(virtual_cluster_id="kept"))
print("WHERE " + json.dumps(sorted(set(colony.get([where.remote() for _ in range(6)],
                                                  timeout=300)))))
"""


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


def get_or_none(cluster_id):
    try:
        return vc.get(cluster_id)
    except vc.VirtualClusterError:
        return None


def test_virtual_clusters_survive_a_gcs_restart_on_redis(redis_server):
    with Cluster(head_node_args={"num_cpus": 1}, gcs_storage=redis_server.url) as c:
        node = c.add_node(num_cpus=1, labels={"node_type": "small"})
        c.connect()
        c.wait_for_nodes()
        vc.create("kept", {"small": 1})
        c.kill_gcs()
        c.restart_gcs()
        deadline = time.monotonic() + 90
        info = get_or_none("kept")
        while info is None and time.monotonic() < deadline:
            time.sleep(0.2)
            info = get_or_none("kept")
        assert info is not None and set(info["nodes"]) == {node.node_id}
        with pytest.raises(vc.VirtualClusterError, match="already exists"):
            vc.create("kept", {"small": 1})
        env = dict(os.environ, COLONY_CLUSTER_TOKEN=c._token, COLONY_ADDRESS=c.address)
        out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        line = [x for x in out.stdout.splitlines() if x.startswith("WHERE ")][-1]
        assert json.loads(line[len("WHERE "):]) == [node.node_id]
