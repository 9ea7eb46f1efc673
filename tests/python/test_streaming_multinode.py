"""A streaming job spread over two nodes loses one (its raylet SIGKILLed, so its workers
die with it): the operators restart on the node left, from the last complete checkpoint,
and the output is still exactly once."""

import time

from colony.cluster_utils import Cluster
from colony.streaming import FINISHED, read_file_sink
from test_streaming_recovery import build, expected_output


def parent_pid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def test_losing_a_node_restarts_its_operators_on_the_others(tmp_path):
    cluster = Cluster(head_node_args={"num_cpus": 1}, health_check_timeout_ms=2000)
    try:
        node = cluster.add_node(num_cpus=1)
        cluster.connect()
        cluster.wait_for_nodes()
        out, go = str(tmp_path / "out"), str(tmp_path / "go")
        job = build(out, go_file=go).execute(
            "node-loss", actor_options={"scheduling_strategy": "SPREAD"})

        def on_doomed_node():
            return [k for k, pid in job.instance_pids().items()
                    if pid and parent_pid(pid) == node.raylet_pid]

        deadline = time.monotonic() + 60
        while job.last_checkpoint < 2 or not on_doomed_node():
            assert job.status == "RUNNING", job.error
            assert time.monotonic() < deadline, (
                f"no second checkpoint with an instance on the second node within 60 s "
                f"(pids {job.instance_pids()})")
            time.sleep(0.05)
        cluster.remove_node(node, allow_graceful=False)
        open(go, "w").close()
        assert job.wait(120) == FINISHED, job.error
        assert job.restarts >= 1
        assert sorted(read_file_sink(out)) == expected_output()
    finally:
        cluster.shutdown()
