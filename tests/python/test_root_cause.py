"""The `colony why` walk (colony/_private/root_cause.py) over a fake source of records:
attempt grouping, exit codes and signals, a lost node winning over a missing exit report,
actor incarnations and owners, objects and bad ids. test_why.py runs it on real clusters."""

import pytest

from colony._private import root_cause

NODE_A = "aa" * 16
NODE_B = "bb" * 16
TASK = "11" * 16


class FakeSource:
    def __init__(self, attempts=(), events=(), actors=None):
        self.attempts = list(attempts)
        self._events = list(events)
        self.actors = actors or {}

    def task_attempts(self, task_id):
        return [a for a in self.attempts if a["task_id"] == task_id]

    def events(self):
        return self._events

    def actor(self, actor_id):
        return self.actors.get(actor_id)

    def node(self, node_id):
        return None


def attempt(n, state, node=NODE_A, worker="", pid=0, error_type="", message="", **kw):
    row = {"task_id": TASK, "attempt_number": n, "name": "f", "func_name": "m.f",
           "state": state, "node_id": node, "worker_id": worker, "worker_pid": pid,
           "error_type": error_type, "error_message": message, "actor_id": ""}
    row.update(kw)
    return row


def event(kind, state, entity, message="", time_ms=1_700_000_000_000, **kw):
    row = {"kind": kind, "state": state, "id": entity, "message": message, "time_ms": time_ms,
           "node_id": kw.pop("node_id", ""), "pid": kw.pop("pid", 0),
           "worker_id": kw.pop("worker_id", ""), "fields": kw.pop("fields", {})}
    row.update(kw)
    return row


def test_a_task_whose_workers_were_killed_then_whose_node_was_lost():
    source = FakeSource(
        attempts=[attempt(0, "FAILED", worker="w0", error_type="WORKER_DIED"),
                  attempt(1, "FAILED", node=NODE_B, worker="w1", error_type="WORKER_DIED"),
                  attempt(2, "FAILED", node=NODE_B, worker="w2", error_type="WORKER_DIED")],
        events=[event("WORKER", "FAILED", "w0", "killed by signal 9", pid=41, node_id=NODE_A),
                event("NODE", "DEAD", NODE_B, "health check timed out")])
    lines = root_cause.explain(TASK, source)
    assert lines[0] == "task f failed after 3 attempts:"
    assert "attempt 1: ran on node aaaaaaaa; its worker (pid 41) on node aaaaaaaa was killed " \
        "by signal 9 (SIGKILL" in lines[1]
    # Attempts 2 and 3 tell the same story once: their node was lost.
    assert lines[2].startswith("  attempts 2-3: ran on node bbbbbbbb; node bbbbbbbb was lost at")
    assert lines[2].endswith("(missed health checks)")
    assert len(lines) == 3


def test_exit_codes_exceptions_and_a_finished_retry():
    source = FakeSource(
        attempts=[attempt(0, "FAILED", worker="w0", pid=7, error_type="WORKER_DIED"),
                  attempt(1, "FAILED", pid=8, error_type="TASK_EXECUTION_EXCEPTION",
                          message="Traceback...\nValueError: bad"),
                  attempt(2, "FINISHED", pid=9)],
        events=[event("WORKER", "FAILED", "w0", "exited with code 3", pid=7)])
    lines = root_cause.explain(TASK, source)
    assert lines[0] == "task f finished after 3 attempts:"
    assert "exited with code 3" in lines[1]
    assert lines[2] == "  attempt 2: raised an exception on node aaaaaaaa, worker pid 8: " \
        "ValueError: bad"
    assert lines[3] == "  attempt 3: ran on node aaaaaaaa, worker pid 9 and finished"


def test_a_worker_the_owner_handed_back_died_under_its_task():
    source = FakeSource(
        attempts=[attempt(0, "FAILED", worker="w0", error_type="WORKER_DIED")],
        events=[event("WORKER", "EXITED", "w0",
                      "killed by the raylet: its lease owner disconnected it", pid=5,
                      fields={"intentional": "true"})])
    assert "its worker (pid 5) died under the task" in root_cause.explain(TASK, source)[1]


def test_an_actor_and_its_incarnations():
    actor_id = "cc" * 16
    actor = {"actor_id": actor_id, "class_name": "Counter", "name": "", "state": "DEAD",
             "num_restarts": 1, "max_restarts": 1, "death_cause": "WORKER_CRASHED",
             "death_message": "", "owner_worker_id": "ow"}
    source = FakeSource(
        actors={actor_id: actor},
        events=[event("ACTOR", "PENDING_CREATION", actor_id),
                event("ACTOR", "ALIVE", actor_id, node_id=NODE_A, worker_id="w1", pid=11),
                event("ACTOR", "RESTARTING", actor_id),
                event("WORKER", "FAILED", "w1", "killed by signal 9", pid=11),
                event("ACTOR", "ALIVE", actor_id, node_id=NODE_B, worker_id="w2", pid=12),
                event("NODE", "DEAD", NODE_B, "health check timed out"),
                event("ACTOR", "DEAD", actor_id, fields={"death_cause": "NODE_DIED"})])
    lines = root_cause.explain(actor_id, source)
    assert lines[0] == "actor Counter (cccccccc) is DEAD (WORKER_CRASHED) after 1 restart " \
        "(max_restarts=1):"
    assert "incarnation 1 started" in lines[1] and "worker pid 11" in lines[1]
    assert "then RESTARTING" in lines[2] and "killed by signal 9" in lines[2]
    assert "incarnation 2 started" in lines[3] and "node bbbbbbbb" in lines[3]
    assert "then DEAD" in lines[4] and "missed health checks" in lines[4]


def test_an_object_is_explained_by_its_task_and_bad_ids_are_named():
    source = FakeSource(attempts=[attempt(0, "FINISHED")])
    lines = root_cause.explain(TASK + "01000000", source)
    assert lines[0].startswith("object ") and "return 1 of task f" in lines[0]
    assert lines[1] == "  task f finished after 1 attempt:"
    with pytest.raises(ValueError, match="not a hex id"):
        root_cause.explain("xyz", source)
    with pytest.raises(ValueError, match="no task or actor"):
        root_cause.explain("22" * 16, source)
    with pytest.raises(ValueError, match="no record of task"):
        root_cause.explain("22" * 16 + "01000000", source)
    with pytest.raises(TypeError):
        root_cause.explain(5, source)
