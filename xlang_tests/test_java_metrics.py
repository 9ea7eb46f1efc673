"""User metrics from a Java worker (io.colony.api.metrics) reach its node's metrics agent
with their tags, merged into the same /metrics as Python's (docs/observability.md)."""

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import colony
from colony import cross_language
from colony.cluster_utils import Cluster

from colony_testutil import wait_for


@pytest.fixture
def cluster(java_classes):
    c = Cluster(head_node_args={"num_cpus": 2})
    c.connect(job_config=colony.JobConfig(code_search_path=[java_classes]))
    yield c
    c.shutdown()


def _samples(cluster):
    req = urllib.request.Request(f"http://{cluster.head_node.metrics_address}/metrics",
                                 headers={"Authorization": f"Bearer {cluster._token}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        text = r.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_java_task_metrics_appear_with_their_tags(cluster):
    record = cross_language.java_function("xlang.MetricsJob", "record")
    assert colony.get(record.remote("/java"), timeout=120) == "recorded /java"
    tags = (("node_id", cluster.head_node.node_id), ("route", "/java"))
    s = wait_for(lambda: (lambda s: s if ("java_requests_total", tags) in s else None)(
        _samples(cluster)), timeout=60, interval=0.5, what="the Java worker's metrics")
    assert s[("java_requests_total", tags)] == 2
    assert s[("java_queue_length", tags)] == 5
    assert s[("java_latency_s_count", tags)] == 1
    assert s[("java_latency_s_bucket", (("le", "1.0"),) + tags)] == 1
    assert s[("java_latency_s_bucket", (("le", "0.1"),) + tags)] == 0


def test_java_bad_input_gets_a_clear_error(cluster):
    refuse = cross_language.java_function("xlang.MetricsJob", "refuse")
    assert "increment must be >= 0" in colony.get(refuse.remote(), timeout=120)
