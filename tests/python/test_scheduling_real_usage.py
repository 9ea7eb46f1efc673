"""--scheduler-real-usage on a real 2-node cluster: an actor that declares num_cpus=0 but
burns CPU makes its node count as that loaded, so DEFAULT tasks from a driver on that node
go to the other node; without the flag they stay (packed) on the driver's node. Checked by
where the tasks ran."""

import time

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy


@colony.remote(num_cpus=0)
class Burner:
    def __init__(self):
        import threading
        threading.Thread(target=self._burn, daemon=True).start()

    @staticmethod
    def _burn():
        while True:
            pass

    def cpu_seconds(self):
        return time.process_time()


@colony.remote
def where():
    return colony.get_runtime_context().get_node_id()


def placements(real_usage: bool):
    """Where 4 one-at-a-time DEFAULT tasks ran while a num_cpus=0 burner runs on the head."""
    # The head declares 1 CPU: whatever share of a core the burner gets on a busy machine,
    # under real usage a 1-CPU task no longer fits there.
    with Cluster(head_node_args={"num_cpus": 1}, scheduler_real_usage=real_usage) as c:
        other = c.add_node(num_cpus=2)
        c.connect()
        c.wait_for_nodes()
        head = c.head_node.node_id
        burner = Burner.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(head, soft=False)).remote()
        # The raylet samples its workers at each report (at least every second, CPU over
        # windows of >= 0.5 s): once the burner has used 2.5 CPU-seconds it has burned
        # through several windows, so the head's sample shows it.
        deadline = time.monotonic() + 120
        while colony.get(burner.cpu_seconds.remote(), timeout=60) < 2.5:
            assert time.monotonic() < deadline, "the burner never got 2.5 CPU-seconds"
            time.sleep(0.2)
        ran = [colony.get(where.remote(), timeout=60) for _ in range(4)]
        colony.shutdown()
        return ran, head, other.node_id


def test_a_node_burning_undeclared_cpu_counts_as_loaded():
    ran, head, other = placements(True)
    assert set(ran) == {other}, (ran, head)


def test_without_the_flag_work_packs_on_the_driver_node():
    ran, head, _ = placements(False)
    assert set(ran) == {head}


def test_bad_memory_pressure_threshold_is_refused():
    with pytest.raises(ValueError, match="memory_pressure_threshold"):
        Cluster(head_node_args={"num_cpus": 1}, scheduler_real_usage=True,
                memory_pressure_threshold=1.5)
