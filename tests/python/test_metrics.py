"""Prometheus metrics (docs/observability.md, "Metrics"): the user API's checks, the node
agent's merging of process reports, the dashboard's merging and history (unit tests with
fakes), then real clusters scraped over HTTP: built-in and user metrics on each node's
/metrics, the whole cluster's at the dashboard's /metrics, and the scrape config."""

import json
import os
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import colony
from colony.cluster_utils import Cluster
from colony.util.metrics import Counter, Gauge, Histogram
from colony.util import metrics as metrics_api
from colony.metrics_agent.node_collector import CpuSampler, NodeCollector
from colony.metrics_agent.worker_reports import ReportError, WorkerReports
from colony.dashboard.cluster_metrics import AgentDirectory, MetricsHistory, merge_texts, render
from colony._private import prometheus_config

from colony_testutil import wait_for


# ---------------------------------------------------------------- the user API


@pytest.mark.parametrize("make, message", [
    (lambda: Counter("1abc"), "is not valid"),
    (lambda: Counter("a-b"), "is not valid"),
    (lambda: Counter("colony_mine"), "built-in"),
    (lambda: Gauge("g_bad_tag", tag_keys=("node_id",)), "reserved"),
    (lambda: Gauge("g_bad_tag2", tag_keys=("a b",)), "not valid"),
    (lambda: Gauge("g_dup", tag_keys=("a", "a")), "repeated"),
    (lambda: Histogram("h_nob"), "boundaries are required"),
    (lambda: Histogram("h_order", boundaries=[2, 1]), "increase strictly"),
    (lambda: Histogram("h_empty", boundaries=[]), "at least one"),
])
def test_bad_definitions_are_refused_with_the_reason(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_recordings_are_refused_with_the_reason():
    c = Counter("t_requests", "requests", tag_keys=("route",))
    with pytest.raises(ValueError, match="must be >= 0"):
        c.inc(-1, tags={"route": "/"})
    with pytest.raises(ValueError, match="tag key 'colour' was not declared"):
        c.inc(tags={"route": "/", "colour": "red"})
    with pytest.raises(ValueError, match=r"no value for tag\(s\) \['route'\]"):
        c.inc()
    with pytest.raises(TypeError, match="must be a string"):
        c.inc(tags={"route": 3})
    with pytest.raises(TypeError, match="must be a number"):
        Gauge("t_g").set("high")
    with pytest.raises(ValueError, match="cannot be redefined as a gauge"):
        Gauge("t_requests", tag_keys=("route",))
    # The same definition again (e.g. in every call of a task) shares the series.
    Counter("t_requests", "requests", tag_keys=("route",)).set_default_tags({"route": "/"}).inc(2)
    c.inc(tags={"route": "/"})
    snap = {m["name"]: m for m in metrics_api.registry().snapshot()}
    assert snap["t_requests"]["series"] == [{"tags": ["/"], "value": 3.0}]


# ---------------------------------------------------------------- the agent's parts


def _report(worker, name="app_hits", type_="counter", series=None, **extra):
    metric = {"name": name, "type": type_, "description": "d", "tag_keys": ["k"],
              "series": series if series is not None else [{"tags": ["a"], "value": 2.0}],
              **extra}
    return {"worker_id": worker, "pid": 1, "metrics": [metric]}


def _text(families) -> str:
    return render(families).decode()


def _samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_reports_merge_over_processes_and_expire():
    now = [100.0]
    reports = WorkerReports(expiry_s=30, clock=lambda: now[0])
    reports.add(_report("w1"))
    reports.add(_report("w2", series=[{"tags": ["a"], "value": 5.0}]))
    reports.add(_report("w1", name="app_level", type_="gauge",
                        series=[{"tags": ["a"], "value": 7.0}]))  # replaces w1's report
    reports.add(_report("w3", name="app_lat", type_="histogram", boundaries=[1.0],
                        series=[{"tags": ["a"], "buckets": [1, 2], "sum": 9.5, "count": 3}]))
    s = _samples(_text(reports.families({"node_id": "n1"})))
    key = (("k", "a"), ("node_id", "n1"))
    assert s[("app_hits_total", key)] == 5.0  # w1 no longer reports app_hits
    assert s[("app_level", key)] == 7.0
    assert s[("app_lat_bucket", (("k", "a"), ("le", "1.0"), ("node_id", "n1")))] == 1
    assert s[("app_lat_bucket", (("k", "a"), ("le", "+Inf"), ("node_id", "n1")))] == 3
    assert s[("app_lat_count", key)] == 3
    now[0] += 31  # nobody reported since: all dropped
    assert reports.processes() == 0
    assert "app_hits" not in _text(reports.families({"node_id": "n1"}))


@pytest.mark.parametrize("report, message", [
    ({"metrics": []}, "worker_id"),
    (_report("w", name="bad name"), "not valid"),
    (_report("w", series=[{"tags": ["a", "b"], "value": 1}]), "do not match"),
    (_report("w", type_="summary"), "unknown type"),
    (_report("w", type_="histogram", boundaries=[1.0],
             series=[{"tags": ["a"], "buckets": [1], "sum": 1, "count": 1}]), "bucket counts"),
])
def test_bad_reports_are_refused(report, message):
    with pytest.raises(ReportError, match=message):
        WorkerReports().add(report)


class FakeProc:
    def __init__(self):
        self.times = (0, 0)

    def cpu_times(self):
        return self.times

    def cpu_count(self):
        return 4

    def memory(self):
        return 8 << 30, 6 << 30


def test_node_collector_reads_the_raylet_and_proc():
    import base64
    proc = FakeProc()
    cpu = CpuSampler(proc)
    proc.times = (30, 100)  # 30 busy of 100 jiffies since the last sample
    cpu.sample()
    stats = {"nodeId": base64.b64encode(bytes.fromhex("ab" * 16)).decode(),
             "numWorkers": 3, "numIdleWorkers": 1, "numLeasedWorkers": 2,
             "numQueuedLeases": 4, "numGrantedLeases": 2, "resourcesTotal": {"CPU": 2.0},
             "resourcesAvailable": {"CPU": 0.0},
             "objectStore": {"capacityBytes": "1000", "usedBytes": "250", "totalSpilled": "7"}}
    collector = NodeCollector(lambda: stats, proc, cpu)
    s = _samples(_text(collector.families()))
    node = ("node_id", "ab" * 16)
    assert s[("colony_raylet_up", (node,))] == 1
    assert s[("colony_workers", (node, ("state", "leased")))] == 2
    assert s[("colony_leases", (node, ("state", "queued")))] == 4
    assert s[("colony_resources_total", (node, ("resource", "CPU")))] == 2
    assert s[("colony_object_store_used_bytes", (node,))] == 250
    assert s[("colony_object_store_spilled_total", (node,))] == 7
    assert s[("colony_node_cpu_utilization", (node,))] == pytest.approx(0.3)
    assert s[("colony_node_memory_used_bytes", (node,))] == 2 << 30

    def down():
        raise ConnectionError("raylet gone")
    s = _samples(_text(NodeCollector(down, proc, cpu).families()))
    assert s[("colony_raylet_up", (("node_id", ""),))] == 0


def test_dashboard_merges_nodes_and_keeps_a_bounded_history():
    a = '# TYPE colony_workers gauge\ncolony_workers{node_id="a",state="idle"} 1\n'
    b = '# TYPE colony_workers gauge\ncolony_workers{node_id="b",state="idle"} 2\n'
    families = merge_texts([a, b])
    assert _samples(_text(families)) == {
        ("colony_workers", (("node_id", "a"), ("state", "idle"))): 1,
        ("colony_workers", (("node_id", "b"), ("state", "idle"))): 2}
    history = MetricsHistory(max_points=3, max_series=1)
    for t in range(5):
        history.record(merge_texts([a, b]), now=float(t))
    (series,) = history.query("colony_workers")  # the second series is over the cap
    assert series["labels"] == {"node_id": "a", "state": "idle"}
    assert [p[0] for p in series["points"]] == [2.0, 3.0, 4.0]


def test_agent_directory_lists_live_nodes_only():
    kv = {b"n1": b'{"address": "10.0.0.1:5000"}', b"n2": b'{"address": "10.0.0.2:5000"}'}
    directory = AgentDirectory(lambda ns, prefix: list(kv), lambda ns, k: kv.get(k),
                               lambda: [{"NodeID": "n1", "Alive": True},
                                        {"NodeID": "n2", "Alive": False}])
    assert directory.agents() == {"n1": {"address": "10.0.0.1:5000"}}


def test_scrape_config_files(tmp_path):
    path = prometheus_config.write(str(tmp_path), ["127.0.0.1:2", "127.0.0.1:1"], "tok")
    text = open(path).read()
    assert "file_sd_configs" in text and "credentials_file" in text
    assert prometheus_config.read_targets(str(tmp_path)) == ["127.0.0.1:1", "127.0.0.1:2"]
    assert open(os.path.join(tmp_path, "metrics", "token")).read() == "tok"
    assert oct(os.stat(os.path.join(tmp_path, "metrics", "token")).st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------- live clusters


def http_get(url, token, timeout=10):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=timeout) as resp:
        return resp.read().decode()


@pytest.fixture
def two_nodes():
    cluster = Cluster(head_node_args={"num_cpus": 2})
    cluster.add_node(num_cpus=2, resources={"other": 1})
    cluster.connect()
    cluster.wait_for_nodes()
    yield cluster
    cluster.shutdown()


@colony.remote(num_cpus=1)
def record(route):
    from colony.util.metrics import Counter, Gauge, Histogram
    Counter("app_requests", "requests served", tag_keys=("route",)).inc(tags={"route": route})
    Gauge("app_queue_length", "items waiting", tag_keys=("route",)).set(7, tags={"route": route})
    Histogram("app_latency_s", "latency", boundaries=[0.1, 1.0],
              tag_keys=("route",)).observe(0.5, tags={"route": route})
    return colony.get_runtime_context().get_node_id()


def _node_samples(cluster, node, token):
    return _samples(http_get(f"http://{node.metrics_address}/metrics", token))


def test_nodes_serve_built_in_and_user_metrics(two_nodes):
    token = two_nodes._token
    other = two_nodes.worker_nodes[0]
    node_id = colony.get(record.options(resources={"other": 1}).remote("/other"))
    assert node_id == other.node_id
    colony.get([record.remote("/head") for _ in range(4)])

    # The worker reports within about a second; wait for it (the machine may be busy).
    key = ("app_requests_total", (("node_id", other.node_id), ("route", "/other")))
    s = wait_for(lambda: (lambda s: s if s.get(key) == 1 else None)(
        _node_samples(two_nodes, other, token)), timeout=60, what="the user counter")
    tags = (("node_id", other.node_id), ("route", "/other"))
    assert s[("app_queue_length", tags)] == 7
    assert s[("app_latency_s_count", tags)] == 1
    assert s[("app_latency_s_bucket", (("le", "1.0"),) + tags)] == 1
    assert s[("app_latency_s_bucket", (("le", "0.1"),) + tags)] == 0
    node = (("node_id", other.node_id),)
    assert s[("colony_raylet_up", node)] == 1
    assert s[("colony_resources_total", node + (("resource", "other"),))] == 1
    assert s[("colony_object_store_capacity_bytes", node)] > 0
    assert 0 <= s[("colony_node_cpu_utilization", node)] <= 1
    assert s[("colony_node_memory_total_bytes", node)] > 0
    assert sum(v for (n, l), v in s.items() if n == "colony_workers"
               and ("state", "registered") in l) >= 1

    with pytest.raises(urllib.error.HTTPError) as err:
        http_get(f"http://{other.metrics_address}/metrics", "wrong")
    assert err.value.code == 401
    req = urllib.request.Request(f"http://{other.metrics_address}/api/metrics/push",
                                 data=json.dumps({"worker_id": "x", "metrics": [
                                     {"name": "colony_x", "type": "gauge", "series": []}]}).encode(),
                                 headers={"Authorization": f"Bearer {token}"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10)
    assert err.value.code == 400 and "built-in" in err.value.read().decode()


def test_driver_metrics_and_the_dashboard_serve_the_whole_cluster(two_nodes):
    token = two_nodes._token
    dashboard = two_nodes.start_dashboard()
    Gauge("app_driver_level", "set by the driver").set(3)  # a driver's own metric
    colony.get([record.options(resources={"other": 1}).remote("/x"), record.remote("/y")])
    nodes = {n.node_id for n in two_nodes.list_all_nodes()}

    def complete():
        s = _samples(http_get(f"http://{dashboard}/metrics", token))
        seen = {dict(l).get("node_id") for (n, l), v in s.items() if n == "colony_raylet_up"}
        routes = {dict(l)["route"] for (n, l), v in s.items() if n == "app_requests_total"}
        if seen >= nodes and routes >= {"/x", "/y"} and any(
                n == "app_driver_level" for n, _ in s):
            return s
        return None
    s = wait_for(complete, timeout=90, interval=1, what="every node's metrics at the dashboard")
    assert s[("colony_cluster_nodes", (("state", "alive"),))] == 2
    assert s[("app_driver_level", (("node_id", two_nodes.head_node.node_id),))] == 3

    # The scrape config in the head's session lists every node's agent.
    agents = sorted(n.metrics_address for n in two_nodes.list_all_nodes())
    wait_for(lambda: prometheus_config.read_targets(two_nodes.head_node.session_dir) == agents,
             timeout=60, interval=0.5, what="the scrape targets")
    config = os.path.join(two_nodes.head_node.session_dir, "metrics", "prometheus.yml")
    assert "targets.json" in open(config).read()

    # A node that joins later is added to it.
    third = two_nodes.add_node(num_cpus=1)
    wait_for(lambda: third.metrics_address in
             prometheus_config.read_targets(two_nodes.head_node.session_dir),
             timeout=60, interval=0.5, what="the new node's agent in the scrape targets")
