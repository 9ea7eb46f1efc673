"""Events and the state API on real clusters (docs/observability.md, "Events and state"):
task, actor, node and job events reach the GCS and the per-process JSON-lines files;
colony.util.state lists with filters, summaries, bounded task records, the Chrome-trace
timeline, and the `colony list|summary|get|timeline` commands."""

import glob
import json
import os
import subprocess
import sys

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util import state

from colony_testutil import PYTHON_DIR, wait_for


@colony.remote
def square(x):
    return x * x


@colony.remote(max_retries=0)
def boom():
    raise ValueError("boom on purpose")


@colony.remote
class Counter:
    def __init__(self):
        self.n = 0

    def incr(self):
        self.n += 1
        return self.n


@pytest.fixture
def cluster():
    c = Cluster(head_node_args={"num_cpus": 2}, metrics_agents=False)
    c.connect()
    yield c
    colony.shutdown()
    c.shutdown()


def _cli(cluster, *args, check=True):
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, COLONY_CLUSTER_TOKEN=cluster._token)
    proc = subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args,
                           "--address", cluster.address],
                          capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _finished(task_ids):
    """The task rows once owners and executors have both reported these tasks."""
    rows = state.list_tasks(detail=True, limit=None)
    done = {r["task_id"] for r in rows if r["state"] in ("FINISHED", "FAILED")
            and "EXECUTED" in r["state_times_ms"]}
    return set(task_ids) <= done and rows


def test_task_actor_node_and_job_events(cluster):
    refs = [square.remote(i) for i in range(3)]
    assert colony.get(refs) == [0, 1, 4]
    counter = Counter.remote()
    assert colony.get(counter.incr.remote()) == 1
    task_ids = [r.task_id() for r in refs]
    rows = wait_for(lambda: _finished(task_ids), timeout=60, what="the tasks' records")
    mine = [r for r in rows if r["task_id"] in task_ids]
    assert len(mine) == 3
    head = cluster.head_node.node_id
    for r in mine:
        assert r["name"] == "square" and r["state"] == "FINISHED"
        assert r["type"] == "NORMAL_TASK" and r["func_name"].endswith("square")
        assert r["node_id"] == head and r["worker_pid"] > 0
        assert r["start_time_ms"] <= r["end_time_ms"]
        assert list(r["state_times_ms"])[0] == "SUBMITTED"
        assert {"SUBMITTED", "LEASED", "RUNNING", "FINISHED"} <= set(r["state_times_ms"])
    actors = state.list_actors()
    assert [a["class_name"] for a in actors] == ["Counter"]
    assert actors[0]["state"] == "ALIVE" and actors[0]["node_id"] == head
    nodes = state.list_nodes()
    assert [(n["node_id"], n["state"]) for n in nodes] == [(head, "ALIVE")]
    job_id = colony.get_runtime_context().get_job_id()
    jobs = state.list_jobs()
    assert any(j["job_id"] == job_id and j["status"] == "RUNNING" for j in jobs)
    kinds = {(e["kind"], e["state"], e["id"]) for e in state.list_cluster_events()}
    assert ("NODE", "ALIVE", head) in kinds
    assert ("JOB", "RUNNING", job_id) in kinds
    assert ("ACTOR", "ALIVE", actors[0]["actor_id"]) in kinds
    assert ("ACTOR", "PENDING_CREATION", actors[0]["actor_id"]) in kinds
    # Every process also wrote its events as JSON lines in its node's session folder.
    folder = os.path.join(cluster.head_node.session_dir, "logs", "events")
    lines = []
    for path in glob.glob(os.path.join(folder, "*.jsonl")):
        with open(path) as f:
            lines += [json.loads(line) for line in f if line.strip()]
    sources = {os.path.basename(p).split("_")[1] for p in glob.glob(folder + "/*.jsonl")}
    assert {"GCS", "CORE"} <= sources
    assert any(e.get("task_id") == task_ids[0] and e["state"] == "RUNNING" for e in lines)
    assert any(e["kind"] == "NODE" and e.get("id") == head for e in lines)


def test_filters_details_and_bad_filters(cluster):
    colony.get([square.remote(i) for i in range(2)])
    with pytest.raises(ValueError):
        colony.get(boom.remote())
    wait_for(lambda: len(state.list_tasks(filters=[("state", "=", "FAILED")])) == 1,
             timeout=60, what="the failed task's record")
    failed = state.list_tasks(filters=[("name", "=", "boom")], detail=True)
    assert len(failed) == 1
    assert failed[0]["error_type"] == "TASK_EXECUTION_EXCEPTION"
    assert failed[0]["error_message"]  # the exception itself travels pickled, to the caller
    done = state.list_tasks(filters=[("state", "!=", "FAILED"), ("name", "=", "square")])
    assert len(done) == 2 and "error_message" not in done[0]  # brief columns only
    assert state.list_tasks(filters=[("state", "=", "finished")], limit=1)[0]["state"] == \
        "FINISHED"  # states match in any case
    with pytest.raises(ValueError, match="unknown filter key 'colour'.*known keys"):
        state.list_tasks(filters=[("colour", "=", "red")])
    with pytest.raises(ValueError, match="operator '>'"):
        state.list_actors(filters=[("state", ">", "ALIVE")])
    with pytest.raises(ValueError, match="limit"):
        state.list_nodes(limit=0)
    proc = _cli(cluster, "list", "tasks", "--filter", "colour=red", check=False)
    assert proc.returncode == 1 and "colour" in proc.stderr
    out = _cli(cluster, "list", "tasks", "--filter", "name=square", "--format", "json").stdout
    assert [r["name"] for r in json.loads(out)] == ["square", "square"]
    table = _cli(cluster, "list", "nodes").stdout
    assert "ALIVE" in table and cluster.head_node.node_id in table


def test_summaries_count_by_state(cluster):
    colony.get([square.remote(i) for i in range(4)])
    for _ in range(2):
        with pytest.raises(ValueError):
            colony.get(boom.remote())
    counters = [Counter.remote() for _ in range(2)]
    colony.get([c.incr.remote() for c in counters])
    colony.kill(counters[0])
    wait_for(lambda: state.summarize_actors().get("Counter", {}).get("state_counts") ==
             {"ALIVE": 1, "DEAD": 1}, timeout=60, what="the killed actor")

    def counted():
        summary = state.summarize_tasks()
        squares = next((v for k, v in summary.items() if k.endswith("square")), None)
        booms = next((v for k, v in summary.items() if k.endswith("boom")), None)
        return squares and booms and squares["state_counts"] == {"FINISHED": 4} and \
            booms["state_counts"] == {"FAILED": 2} and summary
    summary = wait_for(counted, timeout=60, what="the task summary")
    incr = next(v for k, v in summary.items() if k.endswith("incr"))
    assert incr["type"] == "ACTOR_TASK" and incr["total"] == 2
    text = _cli(cluster, "summary", "tasks").stdout
    assert "FINISHED: 4" in text and "FAILED: 2" in text
    actor_id = state.list_actors(filters=[("state", "=", "DEAD")])[0]["actor_id"]
    got = json.loads(_cli(cluster, "get", "actor", actor_id[:10]).stdout)
    assert got["actor_id"] == actor_id and got["death_cause"] == "KILLED"
    assert _cli(cluster, "get", "actor", "ffff", check=False).returncode == 1


def test_task_records_are_bounded_per_job(monkeypatch):
    monkeypatch.setenv("COLONY_TASK_ATTEMPTS_PER_JOB", "5")
    c = Cluster(head_node_args={"num_cpus": 1}, metrics_agents=False)
    try:
        c.connect()
        refs = [square.remote(i) for i in range(12)]
        colony.get(refs)
        last = refs[-1].task_id()
        rows = wait_for(lambda: (lambda rs: rs if any(r["task_id"] == last and r["state"] ==
                                                      "FINISHED" for r in rs) else None)(
            state.list_tasks(limit=None)), timeout=60, what="the last task's record")
        assert len(rows) == 5  # the oldest went first
        kept = {r["task_id"] for r in rows}
        assert refs[0].task_id() not in kept
        assert kept == {r.task_id() for r in refs[-5:]}
    finally:
        colony.shutdown()
        c.shutdown()


def test_timeline_is_chrome_trace_with_the_tasks_spans(cluster, tmp_path):
    refs = [square.remote(i) for i in range(3)]
    colony.get(refs)
    ids = {r.task_id() for r in refs}
    wait_for(lambda: _finished(ids), timeout=60, what="the tasks' records")
    path = tmp_path / "trace.json"
    out = _cli(cluster, "timeline", "--output", str(path)).stdout
    assert "task spans" in out
    with open(path) as f:
        trace = json.load(f)
    spans = [e for e in trace if e["args"]["task_id"] in ids]
    assert len(spans) == 3
    for span in spans:
        assert span["ph"] == "X" and span["name"] == "square"
        assert span["dur"] > 0 and span["ts"] > 0
        assert span["pid"] == f"node {cluster.head_node.node_id[:8]}"
        assert span["tid"].startswith("worker ")
    assert [e["ts"] for e in trace] == sorted(e["ts"] for e in trace)


@colony.remote
def my_pid():
    return os.getpid()


def test_workers_from_the_raylets_with_their_exits(cluster):
    import signal
    pid = colony.get(my_pid.remote())
    workers = state.list_workers(detail=True)
    mine = [w for w in workers if w["pid"] == pid]
    assert len(mine) == 1 and mine[0]["state"] == "ALIVE"
    assert mine[0]["language"] == "PYTHON" and mine[0]["node_id"] == cluster.head_node.node_id
    os.kill(pid, signal.SIGKILL)
    dead = wait_for(lambda: state.list_workers(filters=[("pid", "=", pid),
                                                         ("state", "=", "DEAD")]),
                    timeout=60, what="the killed worker's exit")
    assert "signal 9" in dead[0]["exit_detail"]
    with pytest.raises(ValueError, match="unknown filter key 'colour' for workers"):
        state.list_workers(filters=[("colour", "=", "red")])
