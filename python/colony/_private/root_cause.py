"""`colony why`: explains a failure by walking the cluster's events (docs/observability.md,
"Root cause").

A task's attempts (from the GCS's task records) say where each ran and how it ended; an
attempt whose worker died is joined with the raylet's report of that worker's exit (exit
code, signal) and with the death of its node (missed health checks), both lifecycle events
the GCS recorded. An actor's incarnations are read from its ACTOR events the same way. The
source of records is a seam (`source`), so the walk is tested with fakes as well as on
real clusters.
"""

from __future__ import annotations

import re
import time

_SIGNALS = {9: "SIGKILL", 15: "SIGTERM", 6: "SIGABRT", 11: "SIGSEGV", 2: "SIGINT", 7: "SIGBUS"}
_PUT_FLAG = 0x80000000


def _clock(time_ms) -> str:
    if not time_ms:
        return "?"
    return time.strftime("%H:%M:%S", time.localtime(time_ms / 1000))


def _short(hex_id: str) -> str:
    return hex_id[:8] if hex_id else "?"


def explain(entity_id: str, source) -> list:
    if not isinstance(entity_id, str):
        raise TypeError(f"the id must be a hex string, got {type(entity_id).__name__}")
    hex_id = entity_id.strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", hex_id or "-"):
        raise ValueError(f"{entity_id!r} is not a hex id of a task, actor or object")
    if len(hex_id) == 40:
        return _explain_object(hex_id, source)
    if len(hex_id) == 32:
        attempts = source.task_attempts(hex_id)
        if attempts:
            return _explain_task(attempts, source)
        actor = source.actor(hex_id)
        if actor is not None:
            return _explain_actor(actor, source)
        raise ValueError(f"no task or actor {hex_id} is known to the cluster (task records "
                         "are kept for the last N tasks of each job)")
    raise ValueError(f"{entity_id!r} has {len(hex_id) // 2} bytes: a task or actor id has 16, "
                     "an object id 20")


def _explain_object(hex_id: str, source) -> list:
    task_id = hex_id[:32]
    index = int.from_bytes(bytes.fromhex(hex_id[32:]), "little")
    if index & _PUT_FLAG:
        lines = [f"object {hex_id} was put by task {_short(task_id)} (put #{index & ~_PUT_FLAG}); "
                 "it lives as long as its owner"]
        attempts = source.task_attempts(task_id)
        if attempts:
            lines += ["  " + line for line in _explain_task(attempts, source)]
        return lines
    attempts = source.task_attempts(task_id)
    if not attempts:
        raise ValueError(f"object {hex_id}: no record of task {task_id} that returns it (task "
                         "records are kept for the last N tasks of each job)")
    return [f"object {hex_id} is return {index} of task {attempts[-1]['name'] or task_id}:"] + \
        ["  " + line for line in _explain_task(attempts, source)]


# ------------------------------------------------------------------------------ tasks


def _explain_task(attempts: list, source) -> list:
    attempts = sorted(attempts, key=lambda a: a["attempt_number"])
    last = attempts[-1]
    name = last["name"] or last["func_name"] or last["task_id"]
    n = len(attempts)
    noun = "attempt" if n == 1 else "attempts"
    if last["state"] == "FAILED":
        head = f"task {name} failed after {n} {noun}"
    elif last["state"] == "FINISHED":
        head = f"task {name} finished after {n} {noun}"
    else:
        head = f"task {name} is {last['state']} (attempt {last['attempt_number'] + 1})"
    # Consecutive attempts with the same story are told once ("attempts 2-3 ...").
    groups = []
    for a in attempts:
        story = _attempt_story(a, source)
        if groups and groups[-1][1] == story:
            groups[-1][0].append(a["attempt_number"] + 1)
        else:
            groups.append(([a["attempt_number"] + 1], story))
    lines = [head + ":"]
    for numbers, story in groups:
        label = (f"attempt {numbers[0]}" if len(numbers) == 1
                 else f"attempts {numbers[0]}-{numbers[-1]}")
        lines.append(f"  {label}: {story}")
    if last["state"] == "FAILED" and last["error_type"] == "ACTOR_DIED" and last["actor_id"]:
        actor = source.actor(last["actor_id"])
        if actor is not None:
            lines += ["  " + line for line in _explain_actor(actor, source)]
    return lines


def _where(a: dict) -> str:
    parts = []
    if a.get("node_id"):
        parts.append(f"node {_short(a['node_id'])}")
    if a.get("worker_pid"):
        parts.append(f"worker pid {a['worker_pid']}")
    return "on " + ", ".join(parts) if parts else "before it was placed"


def _attempt_story(a: dict, source) -> str:
    where = _where(a)
    state = a["state"]
    if state == "FINISHED":
        return f"ran {where} and finished"
    if state != "FAILED":
        return f"is {state} {where}".rstrip()
    error = a.get("error_type", "")
    if error == "TASK_EXECUTION_EXCEPTION":
        message = (a.get("error_message") or "").strip().splitlines()
        return f"raised an exception {where}" + (f": {message[-1]}" if message else "")
    if error == "WORKER_DIED":
        return f"ran {where}; " + _worker_death(a.get("worker_id", ""), a.get("node_id", ""),
                                                source)
    if error == "TASK_CANCELLED":
        return "was cancelled"
    if error == "ACTOR_DIED":
        return f"its actor {_short(a.get('actor_id', ''))} died"
    text = a.get("error_message") or error or "failed"
    return f"failed {where}: {text}"


def _worker_death(worker_id: str, node_id: str, source) -> str:
    """Why a worker went away: its node's death, or the raylet's report of its exit."""
    node_death = _node_death(node_id, source)
    exit_event = None
    for e in source.events():
        if e["kind"] == "WORKER" and worker_id and e["id"] == worker_id:
            exit_event = e
    if exit_event is not None and not node_death:
        return "its worker " + _exit_text(exit_event)
    if node_death:
        return node_death
    return "its worker died or could not be reached (no exit report: its node may be gone)"


def _exit_text(e: dict) -> str:
    reason = e.get("message", "")
    pid = f" (pid {e['pid']})" if e.get("pid") else ""
    node = f" on node {_short(e['node_id'])}" if e.get("node_id") else ""
    if "lease owner disconnected" in reason:
        # The owner hands a worker back for killing only after its connection to it closed
        # under a task: the worker had died by then (its own exit status is not known).
        return (f"{pid}{node} died under the task (its connection closed; the raylet then "
                f"removed it at {_clock(e['time_ms'])})").strip()
    m = re.search(r"signal (\d+)", reason)
    if m:
        sig = int(m.group(1))
        what = f"was killed by signal {sig} ({_SIGNALS.get(sig, 'signal')}"
        what += ", e.g. the OOM killer or kill -9)" if sig == 9 else ")"
    else:
        m = re.search(r"code (-?\d+)", reason)
        what = f"exited with code {m.group(1)}" if m else (reason or "exited")
    intentional = (e.get("fields") or {}).get("intentional") == "true"
    return f"{pid}{node} {what}".strip() + (" on purpose" if intentional else "") + \
        f" at {_clock(e['time_ms'])}"


def _node_death(node_id: str, source) -> str:
    if not node_id:
        return ""
    for e in source.events():
        if e["kind"] == "NODE" and e["id"] == node_id and e["state"] == "DEAD":
            reason = e.get("message") or "unknown reason"
            if "health check" in reason:
                reason = "missed health checks"
            return f"node {_short(node_id)} was lost at {_clock(e['time_ms'])} ({reason})"
    return ""


# ------------------------------------------------------------------------------ actors


def _explain_actor(actor: dict, source) -> list:
    actor_id = actor["actor_id"]
    label = actor["class_name"] + (f" '{actor['name']}'" if actor.get("name") else "")
    events = [e for e in source.events() if e["kind"] == "ACTOR" and e["id"] == actor_id]
    state = actor["state"]
    restarts = actor.get("num_restarts", 0)
    if state == "DEAD":
        head = (f"actor {label} ({_short(actor_id)}) is DEAD ({actor.get('death_cause') or '?'})"
                f" after {restarts} restart{'s' if restarts != 1 else ''}"
                f" (max_restarts={actor.get('max_restarts', 0)})")
    else:
        head = f"actor {label} ({_short(actor_id)}) is {state} after {restarts} restarts"
    lines = [head + ":"]
    # Each incarnation: ALIVE on a worker, then how that worker was lost.
    incarnation = 0
    current = None
    for e in events:
        if e["state"] == "ALIVE":
            incarnation += 1
            current = e
            lines.append(f"  incarnation {incarnation} started at {_clock(e['time_ms'])} on "
                         f"node {_short(e['node_id'])}, worker pid {e.get('pid') or '?'}")
        elif e["state"] in ("RESTARTING", "DEAD") and current is not None:
            lines.append(f"    then {e['state']} at {_clock(e['time_ms'])}: "
                         + _incarnation_end(current, e, actor, source))
            current = None
        elif e["state"] == "DEAD":
            lines.append(f"  DEAD at {_clock(e['time_ms'])} before it started: "
                         + (e.get("message") or actor.get("death_message") or "?"))
    if actor.get("death_cause") == "OWNER_DIED" and actor.get("owner_worker_id"):
        lines.append("  its owner " + _owner_text(actor["owner_worker_id"], source))
    if state == "DEAD" and actor.get("death_message") and len(lines) == 1:
        lines.append("  " + actor["death_message"])
    return lines


def _incarnation_end(alive: dict, end: dict, actor: dict, source) -> str:
    cause = (end.get("fields") or {}).get("death_cause", "")
    if cause in ("KILLED", "EXITED", "OUT_OF_SCOPE", "OWNER_DIED", "CREATION_FAILED"):
        return end.get("message") or cause
    worker_id = alive.get("worker_id", "")
    node_death = _node_death(alive.get("node_id", ""), source)
    if node_death:
        return node_death
    for e in source.events():
        if e["kind"] == "WORKER" and worker_id and e["id"] == worker_id:
            return "its worker " + _exit_text(e)
    return end.get("message") or "its worker was lost"


def _owner_text(owner_worker_id: str, source) -> str:
    for e in source.events():
        if e["kind"] == "WORKER" and e["id"] == owner_worker_id:
            return f"(worker {_short(owner_worker_id)}) " + _exit_text(e)
    return f"(worker {_short(owner_worker_id)}, a driver or worker) exited"
