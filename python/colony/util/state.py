"""The state API: what the cluster holds and what happened in it (docs/observability.md,
"Events and state").

    from colony.util import state
    state.list_actors(filters=[("state", "=", "ALIVE")])
    state.list_tasks(filters=[("name", "=", "f")], detail=True)
    state.summarize_tasks()
    state.get_actor("5f1c...")

Every function takes `address` ("HOST:PORT" of the GCS, or "auto" for the cluster started
on this host); by default the cluster this process is connected to (colony.init), else
"auto". Nothing here needs colony.init: the reads go straight to the GCS (and, for workers,
to each node's raylet). Rows are dicts; `detail=True` adds the less used columns.

Sources: actors, nodes and jobs are the GCS's tables; tasks are the GCS's task records,
merged from the task events core workers send (the last N attempts per job are kept,
`colony-gcs --task-attempts-per-job`); workers are each raylet's record of the processes it
started, with their exits from the GCS's worker events.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter, defaultdict

from colony import _core

DEFAULT_LIMIT = 1000

# --------------------------------------------------------------------------- connection


# The util layer imports no colony._private module (the import layers in pyproject.toml):
# colony._private.worker hands in how to reach a cluster and how to walk root causes when
# colony is imported.
_backend: dict = {}


def set_backend(*, connection, explain_records) -> None:
    """Registers `connection(address or None) -> (GCS address, token)` and
    `explain_records(entity id, source) -> lines`; called once, at package import."""
    _backend["connection"] = connection
    _backend["explain_records"] = explain_records


def _need(name: str):
    if name not in _backend:
        raise RuntimeError("colony.util.state is not set up: import colony first")
    return _backend[name]


def _connection(address: str | None) -> tuple[str, str]:
    """(GCS address, token) of the cluster to read."""
    return _need("connection")(address)


def _query(method: str, request: dict | None = None, address: str | None = None) -> dict:
    gcs_address, token = _connection(address)
    try:
        reply = _core.gcs_state_query(gcs_address, token, method, json.dumps(request or {}))
    except _core.CoreError as e:
        raise ConnectionError(f"cannot read the cluster's state from the GCS at {gcs_address}: "
                              f"{e}") from None
    return json.loads(reply)


def _hex(b64: str | None) -> str:
    return base64.b64decode(b64).hex() if b64 else ""


def _unhex(value: str, what: str, sizes: tuple) -> str:
    """A hex id as base64 (for a JSON request); a clear error if it is not one."""
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a hex id, got {value!r}") from None
    if len(raw) not in sizes:
        raise ValueError(f"{what} {value!r} has {len(raw)} bytes; expected "
                         + " or ".join(str(s) for s in sizes))
    return base64.b64encode(raw).decode()


def _ms(us) -> int | None:
    return int(us) // 1000 if us else None


# --------------------------------------------------------------------------- filters

_OPS = ("=", "!=")


def _check_filters(filters, columns: list, resource: str) -> list:
    if filters is None:
        return []
    if not isinstance(filters, (list, tuple)):
        raise TypeError(f"filters must be a list of (key, op, value) tuples, got "
                        f"{type(filters).__name__}")
    checked = []
    for f in filters:
        if not isinstance(f, (list, tuple)) or len(f) != 3:
            raise ValueError(f"a filter is a (key, op, value) tuple, got {f!r}")
        key, op, value = f
        if key not in columns:
            raise ValueError(f"unknown filter key {key!r} for {resource}; known keys: "
                             + ", ".join(columns))
        if op not in _OPS:
            raise ValueError(f"unknown filter operator {op!r} in the filter on {key!r}; use "
                             + " or ".join(_OPS))
        checked.append((key, op, _norm(value)))
    return checked


def _norm(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _match(row: dict, filters: list) -> bool:
    for key, op, value in filters:
        have = _norm(row.get(key))
        # Ids may be given as prefixes of their hex; states in any case.
        equal = have == value or (key.endswith("_id") and value and have.startswith(value)) \
            or have.lower() == value.lower()
        if equal != (op == "="):
            return False
    return True


def _finish(rows: list, columns: list, detail: bool, filters, limit, resource: str) -> list:
    checked = _check_filters(filters, columns, resource)
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    rows = [r for r in rows if _match(r, checked)]
    if not detail:
        rows = [{k: r.get(k) for k in columns if k in _BRIEF[resource]} for r in rows]
    return rows[:limit] if limit else rows


# Columns shown without detail=True; the rest come with it.
_BRIEF = {
    "actors": ["actor_id", "class_name", "state", "name", "job_id", "node_id", "pid",
               "num_restarts"],
    "tasks": ["task_id", "attempt_number", "name", "state", "job_id", "type", "node_id",
              "worker_pid", "error_type"],
    "nodes": ["node_id", "state", "node_ip", "resources_total", "death_reason"],
    "jobs": ["job_id", "status", "namespace", "driver_pid", "start_time_ms", "end_time_ms"],
    "workers": ["worker_id", "pid", "node_id", "job_id", "language", "state", "exit_detail"],
}

# --------------------------------------------------------------------------- actors

ACTOR_COLUMNS = ["actor_id", "class_name", "state", "name", "namespace", "job_id", "node_id",
                 "worker_id", "pid", "num_restarts", "max_restarts", "detached", "language",
                 "death_cause", "death_message", "owner_worker_id"]


def _actor_row(a: dict) -> dict:
    address = a.get("address") or {}
    owner = a.get("owner_address") or {}
    return {
        "actor_id": _hex(a.get("actor_id")),
        "class_name": a.get("class_name", ""),
        "state": a.get("state", ""),
        "name": a.get("name", ""),
        "namespace": a.get("namespace", ""),
        "job_id": _hex(a.get("job_id")),
        "node_id": _hex(address.get("node_id")) or _hex(a.get("node_id")),
        "worker_id": _hex(address.get("worker_id")),
        "pid": a.get("pid", 0),
        "num_restarts": a.get("num_restarts", 0),
        "max_restarts": a.get("max_restarts", 0),
        "detached": a.get("detached", False),
        "language": a.get("language", ""),
        "death_cause": "" if a.get("death_cause") == "NOT_DEAD" else a.get("death_cause", ""),
        "death_message": a.get("death_message", ""),
        "owner_worker_id": _hex(owner.get("worker_id")),
    }


def list_actors(filters=None, detail: bool = False, limit: int | None = DEFAULT_LIMIT,
                address: str | None = None) -> list:
    rows = [_actor_row(a) for a in _query("GetAllActorInfo", address=address).get("actors", [])]
    rows.sort(key=lambda r: r["actor_id"])
    return _finish(rows, ACTOR_COLUMNS, detail, filters, limit, "actors")


def get_actor(actor_id: str, address: str | None = None) -> dict | None:
    """The actor's row with every column, or None (a unique hex prefix is enough)."""
    found = list_actors(filters=[("actor_id", "=", actor_id)], detail=True, limit=None,
                        address=address)
    return found[0] if len(found) == 1 else None


def summarize_actors(address: str | None = None) -> dict:
    """{class_name: {"total": n, "state_counts": {state: n}}}."""
    out = {}
    for row in list_actors(detail=True, limit=None, address=address):
        entry = out.setdefault(row["class_name"], {"total": 0, "state_counts": Counter()})
        entry["total"] += 1
        entry["state_counts"][row["state"]] += 1
    return {k: {"total": v["total"], "state_counts": dict(v["state_counts"])}
            for k, v in sorted(out.items())}

# --------------------------------------------------------------------------- tasks


TASK_COLUMNS = ["task_id", "attempt_number", "name", "state", "job_id", "type", "func_name",
                "actor_id", "parent_task_id", "node_id", "worker_id", "worker_pid",
                "error_type", "error_message", "creation_time_ms", "start_time_ms",
                "end_time_ms", "state_times_ms"]

_END_STATES = ("FINISHED", "FAILED")


def _task_row(a: dict) -> dict:
    times = {k: int(v) for k, v in (a.get("state_times_us") or {}).items()}
    end = None
    for state in ("EXECUTED", "FINISHED", "FAILED"):
        if state in times:
            end = times[state] if end is None else min(end, times[state])
    state = a.get("state", "")
    return {
        "task_id": _hex(a.get("task_id")),
        "attempt_number": a.get("attempt", 0),
        "name": a.get("name", ""),
        # The executor finished but the owner has not said how yet: still RUNNING to users.
        "state": "RUNNING" if state == "EXECUTED" else state,
        "job_id": _hex(a.get("job_id")),
        "type": a.get("type", ""),
        "func_name": a.get("func", ""),
        "actor_id": _hex(a.get("actor_id")),
        "parent_task_id": _hex(a.get("parent_task_id")),
        "node_id": _hex(a.get("node_id")),
        "worker_id": _hex(a.get("worker_id")),
        "worker_pid": a.get("pid", 0),
        "error_type": a.get("error_type", ""),
        "error_message": a.get("error_message", ""),
        "creation_time_ms": _ms(times.get("SUBMITTED")),
        "start_time_ms": _ms(times.get("RUNNING")),
        "end_time_ms": _ms(end),
        "state_times_ms": {k: _ms(v) for k, v in sorted(times.items(), key=lambda kv: kv[1])},
        "_times_us": times,
    }


def _task_attempts(job_id: str | None = None, task_id: str | None = None,
                   address: str | None = None) -> tuple[list, int]:
    request = {}
    if job_id:
        request["job_id"] = _unhex(job_id, "job_id", (4,))
    if task_id:
        request["task_id"] = _unhex(task_id, "task_id", (16,))
    reply = _query("GetTaskAttempts", request, address)
    return [_task_row(a) for a in reply.get("attempts", [])], int(reply.get("dropped", 0))


def list_tasks(filters=None, detail: bool = False, limit: int | None = DEFAULT_LIMIT,
               address: str | None = None) -> list:
    """One row per task attempt, oldest first (the GCS keeps the last N per job)."""
    rows, _ = _task_attempts(address=address)
    for r in rows:
        r.pop("_times_us")
    return _finish(rows, TASK_COLUMNS, detail, filters, limit, "tasks")


def get_task(task_id: str, address: str | None = None) -> list:
    """Every kept attempt of the task, with every column (empty if none is kept)."""
    rows, _ = _task_attempts(task_id=task_id, address=address)
    for r in rows:
        r.pop("_times_us")
    return rows


def summarize_tasks(address: str | None = None) -> dict:
    """{func_name: {"type": ..., "total": n, "state_counts": {state: n}}}, by each task's
    latest attempt."""
    latest = {}
    for row in list_tasks(detail=True, limit=None, address=address):
        prev = latest.get(row["task_id"])
        if prev is None or row["attempt_number"] >= prev["attempt_number"]:
            latest[row["task_id"]] = row
    out = {}
    for row in latest.values():
        key = row["func_name"] or row["name"]
        entry = out.setdefault(key, {"type": row["type"], "total": 0, "state_counts": Counter()})
        entry["total"] += 1
        entry["state_counts"][row["state"]] += 1
    return {k: {"type": v["type"], "total": v["total"], "state_counts": dict(v["state_counts"])}
            for k, v in sorted(out.items())}

# --------------------------------------------------------------------------- nodes, jobs


NODE_COLUMNS = ["node_id", "state", "node_ip", "raylet_port", "resources_total",
                "resources_available", "labels", "death_reason", "start_time_ms",
                "session_dir"]


def _node_row(n: dict) -> dict:
    return {
        "node_id": _hex(n.get("node_id")),
        "state": "ALIVE" if n.get("alive") else "DEAD",
        "node_ip": n.get("ip", ""),
        "raylet_port": n.get("raylet_port", 0),
        "resources_total": n.get("resources_total", {}),
        "resources_available": n.get("resources_available", {}),
        "labels": n.get("labels", {}),
        "death_reason": n.get("death_reason", ""),
        "start_time_ms": int(n.get("start_time_ms", 0)),
        "session_dir": n.get("session_dir", ""),
    }


def list_nodes(filters=None, detail: bool = False, limit: int | None = DEFAULT_LIMIT,
               address: str | None = None) -> list:
    rows = [_node_row(n) for n in _query("GetAllNodeInfo", address=address).get("nodes", [])]
    return _finish(rows, NODE_COLUMNS, detail, filters, limit, "nodes")


def get_node(node_id: str, address: str | None = None) -> dict | None:
    found = list_nodes(filters=[("node_id", "=", node_id)], detail=True, limit=None,
                       address=address)
    return found[0] if len(found) == 1 else None


JOB_COLUMNS = ["job_id", "status", "namespace", "driver_pid", "driver_node_id",
               "driver_ip", "language", "start_time_ms", "end_time_ms"]


def _job_row(j: dict) -> dict:
    driver = j.get("driver_address") or {}
    return {
        "job_id": _hex(j.get("job_id")),
        "status": "FINISHED" if j.get("is_dead") else "RUNNING",
        "namespace": j.get("namespace", ""),
        "driver_pid": j.get("driver_pid", 0),
        "driver_node_id": _hex(driver.get("node_id")),
        "driver_ip": driver.get("ip", ""),
        "language": j.get("language", ""),
        "start_time_ms": int(j.get("start_time_ms", 0)),
        "end_time_ms": int(j.get("end_time_ms", 0)) or None,
    }


def list_jobs(filters=None, detail: bool = False, limit: int | None = DEFAULT_LIMIT,
              address: str | None = None) -> list:
    rows = [_job_row(j) for j in _query("GetAllJobInfo", address=address).get("jobs", [])]
    return _finish(rows, JOB_COLUMNS, detail, filters, limit, "jobs")

# --------------------------------------------------------------------------- events


EVENT_KINDS = ("JOB", "NODE", "ACTOR", "WORKER", "PLACEMENT_GROUP")


def _event_row(e: dict) -> dict:
    return {
        "time_ms": _ms(int(e.get("time_us", 0))),
        "time_us": int(e.get("time_us", 0)),
        "kind": e.get("kind", ""),
        "state": e.get("state", ""),
        "id": _hex(e.get("entity_id")),
        "job_id": _hex(e.get("job_id")),
        "node_id": _hex(e.get("node_id")),
        "worker_id": _hex(e.get("worker_id")),
        "pid": e.get("pid", 0),
        "message": e.get("message", ""),
        "source": e.get("source", ""),
        "fields": e.get("fields", {}),
    }


def list_cluster_events(kind: str | None = None, entity_id: str | None = None,
                        job_id: str | None = None, limit: int | None = None,
                        address: str | None = None) -> list:
    """Lifecycle events (jobs, nodes, actors, workers, placement groups), oldest first."""
    request = {}
    if kind:
        if kind.upper() not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}; known: " + ", ".join(EVENT_KINDS))
        request["kind"] = kind.upper()
    if entity_id:
        request["entity_id"] = _unhex(entity_id, "entity_id", (4, 16, 18, 20))
    if job_id:
        request["job_id"] = _unhex(job_id, "job_id", (4,))
    if limit:
        request["limit"] = int(limit)
    return [_event_row(e) for e in _query("GetEvents", request, address).get("events", [])]

# --------------------------------------------------------------------------- workers


WORKER_COLUMNS = ["worker_id", "pid", "node_id", "node_ip", "job_id", "language", "state",
                  "exit_detail", "start_time_ms", "out_file", "err_file"]


def _raylets(address: str | None) -> list:
    return [n for n in list_nodes(detail=True, limit=None, address=address)
            if n["state"] == "ALIVE"]


def list_workers(filters=None, detail: bool = False, limit: int | None = DEFAULT_LIMIT,
                 address: str | None = None) -> list:
    """The worker processes the raylets of the alive nodes started (one row per worker id;
    a JVM hosting several logical workers has one row each), with their exits as the GCS
    heard of them."""
    _, token = _connection(address)
    exits = {}
    for e in list_cluster_events(kind="WORKER", address=address):
        exits[e["id"]] = e
    rows = []
    for node in _raylets(address):
        raylet = f"{node['node_ip']}:{node['raylet_port']}"
        try:
            listing = _core.list_node_logs(raylet, token)
        except _core.CoreError:
            continue  # the node went away while we asked
        for w in listing["workers"]:
            for worker_id in w["worker_ids"]:
                ended = exits.get(worker_id)
                rows.append({
                    "worker_id": worker_id,
                    "pid": w["pid"],
                    "node_id": node["node_id"],
                    "node_ip": node["node_ip"],
                    "job_id": w["job_id"],
                    "language": w["language"],
                    "state": "DEAD" if ended else "ALIVE",
                    "exit_detail": ended["message"] if ended else "",
                    "start_time_ms": w["started_ms"],
                    "out_file": w["out_file"],
                    "err_file": w["err_file"],
                })
    return _finish(rows, WORKER_COLUMNS, detail, filters, limit, "workers")

# --------------------------------------------------------------------------- timeline


def timeline(filename: str | None = None, job_id: str | None = None,
             address: str | None = None) -> list:
    """Chrome-trace events ("X" spans, microseconds) of the task executions the GCS keeps:
    one process row per node, one thread row per worker pid. Written to `filename` as JSON
    when given (open it in chrome://tracing or https://ui.perfetto.dev)."""
    rows, _ = _task_attempts(job_id=job_id, address=address)
    trace = []
    for r in rows:
        times = r["_times_us"]
        start = times.get("RUNNING")
        if start is None:
            continue
        ends = [times[s] for s in ("EXECUTED", "FINISHED", "FAILED") if s in times
                and times[s] >= start]
        if not ends:
            continue
        trace.append({
            "name": r["name"] or r["func_name"],
            "cat": r["type"] or "task",
            "ph": "X",
            "ts": start,
            "dur": max(min(ends) - start, 1),
            "pid": f"node {r['node_id'][:8]}",
            "tid": f"worker {r['worker_pid']}",
            "args": {"task_id": r["task_id"], "attempt": r["attempt_number"],
                     "state": r["state"], "job_id": r["job_id"],
                     "error_type": r["error_type"]},
        })
    trace.sort(key=lambda e: e["ts"])
    if filename is not None:
        with open(filename, "w") as f:
            json.dump(trace, f)
    return trace

# --------------------------------------------------------------------------- root cause


def explain(entity_id: str, address: str | None = None) -> list:
    """Readable lines saying why a task, actor or object failed (or what became of it), from
    the GCS's task records and lifecycle events (`colony why`). Raises ValueError for an id
    the cluster knows nothing of."""
    return _need("explain_records")(entity_id, _RootCauseSource(address))


class _RootCauseSource:
    """What root_cause.explain reads, from one cluster."""

    def __init__(self, address):
        self.address = address
        self._events = None

    def task_attempts(self, task_id: str) -> list:
        rows, _ = _task_attempts(task_id=task_id, address=self.address)
        return rows

    def events(self) -> list:
        if self._events is None:
            self._events = list_cluster_events(address=self.address)
        return self._events

    def actor(self, actor_id: str):
        return get_actor(actor_id, address=self.address)

    def node(self, node_id: str):
        return get_node(node_id, address=self.address)
