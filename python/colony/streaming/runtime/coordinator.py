"""The job coordinator: a thread in the driver that creates the operator actors, polls
them, triggers checkpoints, stores complete ones, tells sinks to commit, and restarts every
operator from the last complete checkpoint when one fails (docs/streaming.md)."""

from __future__ import annotations

import logging
import threading
import time

import colony
from colony import cross_language
from colony.streaming.plan import JobPlan
from colony.streaming.runtime.checkpoint_store import CheckpointStore
from colony.streaming.runtime.graph import channel_id, chains, targets_of
from colony.streaming.runtime.operator_actor import OperatorActor

logger = logging.getLogger(__name__)

JAVA_OPERATOR_CLASS = "io.colony.streaming.runtime.OperatorActor"

POLL_INTERVAL_S = 0.1
CALL_TIMEOUT_S = 60.0
CLOSE_TIMEOUT_S = 2.0

RUNNING, RESTARTING, FINISHED, FAILED, STOPPED = (
    "RUNNING", "RESTARTING", "FINISHED", "FAILED", "STOPPED")


def check_actor_options(options: dict | None) -> dict | None:
    """Refuses options an operator actor could not be created with, before the job starts."""
    if options is None:
        return None
    if not isinstance(options, dict):
        raise TypeError(f"actor_options must be a dict, got {type(options).__name__}")
    colony.remote(OperatorActor).options(**{"num_cpus": 0, **options})
    return dict(options)


class _InstanceFailed(Exception):
    pass


def _checked_reply(key, reply) -> dict:
    """poll's reply (docs/streaming.md) with defaults for the optional keys; a reply that
    is not a map, or whose acks are malformed, fails the instance naming it."""
    if not isinstance(reply, dict):
        raise _InstanceFailed(f"operator {key[0]} instance {key[1]}: poll returned "
                              f"{type(reply).__name__}, not a map")
    out = {"acks": [], "finished": False, "exhausted": False, "error": None, "metrics": {},
           **reply}
    if not isinstance(out["metrics"], dict):
        out["metrics"] = {}
    for ack in out["acks"]:
        if not (isinstance(ack, dict) and isinstance(ack.get("checkpoint"), int)
                and isinstance(ack.get("state"), bytes)):
            raise _InstanceFailed(f"operator {key[0]} instance {key[1]}: a malformed ack "
                                  f"{ack!r:.200} (wants checkpoint int and state bytes)")
    return out


class _Pending:
    def __init__(self, checkpoint_id: int, final: bool, expected: set):
        self.checkpoint_id = checkpoint_id
        self.final = final
        self.expected = expected
        self.states = {}
        self.started = time.monotonic()


class JobCoordinator:
    def __init__(self, plan: JobPlan, store: CheckpointStore, max_restarts: int,
                 actor_options: dict | None = None):
        self.plan = plan
        self.actor_options = {"num_cpus": 0, **(actor_options or {})}
        self.plan_json = plan.to_json()
        self.store = store
        self.max_restarts = max_restarts
        self.chains = chains(plan)
        self.status = RUNNING
        self.error = None
        self.restarts = 0
        self.last_checkpoint = 0
        self.last_checkpoint_time = time.monotonic()
        self.pids = {}
        self._metrics = {}
        self._rates = {}
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._stop_request = None
        self._handles = {}
        self._thread = None
        self._next_checkpoint = 1
        latest = store.latest()
        if latest is not None:
            self._next_checkpoint = latest[0] + 1

    # ---- public, called from the driver's threads ----

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="colony-streaming-job",
                                        daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            while self.status in (RUNNING, RESTARTING):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._done.wait(left if left is not None else 1.0)
            return self.status

    def request_stop(self, checkpoint: bool) -> None:
        with self._lock:
            self._stop_request = {"checkpoint": checkpoint}

    def metrics(self) -> dict:
        with self._lock:
            return {k: dict(v) for k, v in self._metrics.items()}

    # ---- the coordinator thread ----

    def _main(self) -> None:
        attempt = 0
        while True:
            try:
                self._deploy(attempt)
                outcome = self._supervise()
            except _InstanceFailed as e:
                outcome = ("failed", str(e))
            except Exception as e:  # noqa: BLE001 - any deploy error fails the attempt
                logger.exception("streaming job %s", self.plan.name)
                outcome = ("failed", f"{type(e).__name__}: {e}")
            self._teardown()
            if outcome[0] != "failed":
                self._set_status(outcome[0])
                return
            self.error = outcome[1]
            if not colony.is_initialized():
                self.error = f"colony was shut down under the job ({outcome[1]})"
                self._set_status(FAILED)
                return
            if self.restarts >= self.max_restarts:
                self._set_status(FAILED)
                return
            self.restarts += 1
            attempt += 1
            # A failure that repeats at once (a worker that cannot start) should not spin.
            time.sleep(min(5.0, 0.1 * 2 ** min(self.restarts - 1, 6)))
            logger.warning("streaming job %s restarts (%d) from checkpoint %s: %s",
                           self.plan.name, self.restarts, self.last_checkpoint, outcome[1])
            self._set_status(RESTARTING)

    def _set_status(self, status: str) -> None:
        with self._done:
            self.status = status
            self._done.notify_all()

    def _deploy(self, attempt: int) -> None:
        latest = self.store.latest()
        restore_id, states = (latest[0], latest[2]) if latest else (0, {})
        if latest:
            self.last_checkpoint = restore_id
        by_op = {}
        for chain in self.chains:
            for op_id in chain.operators:
                by_op[op_id] = chain
        handles = {}
        for chain in self.chains:
            for i in range(chain.parallelism):
                handles[(chain.head, i)] = self._create(chain)
        self._handles = handles
        opens = []
        for chain in self.chains:
            for i in range(chain.parallelism):
                key = f"{chain.head}/{i}"
                config = {
                    "job": self.plan.name, "plan": self.plan_json,
                    "operators": list(chain.operators), "instance": i, "attempt": attempt,
                    "inputs": self._inputs(chain, i, by_op, handles),
                    "outputs": self._outputs(chain, i, by_op, handles),
                    "restore": ({"checkpoint": restore_id, "state": states[key]}
                                if key in states else None)}
                opens.append(handles[(chain.head, i)].open.remote(config))
        self._get(opens)
        self._get([h.start.remote() for h in handles.values()])
        self._set_status(RUNNING)

    def _create(self, chain):
        if chain.language == "JAVA":
            return cross_language.java_actor_class(JAVA_OPERATOR_CLASS).options(
                **self.actor_options).remote()
        return colony.remote(OperatorActor).options(**self.actor_options).remote()

    def _inputs(self, chain, instance, by_op, handles) -> list:
        out = []
        for edge_index, edge in self.plan.inputs(chain.head):
            up = by_op[edge.upstream]
            for u in range(up.parallelism):
                if instance in targets_of(edge.partitioning, u, chain.parallelism):
                    out.append({"channel": channel_id(edge_index, u, instance), "edge": edge_index,
                                "upstream": handles[(up.head, u)]})
        return out

    def _outputs(self, chain, instance, by_op, handles) -> list:
        out = []
        for edge_index, edge in self.plan.outputs(chain.tail):
            down = by_op[edge.downstream]
            encoding = "PICKLE" if chain.language == down.language == "PYTHON" else "XLANG"
            out.append({"edge": edge_index, "partitioning": edge.partitioning,
                        "encoding": encoding,
                        "targets": [{"channel": channel_id(edge_index, instance, d),
                                     "handle": handles[(down.head, d)]}
                                    for d in targets_of(edge.partitioning, instance,
                                                        down.parallelism)]})
        return out

    def _get(self, refs):
        try:
            return colony.get(refs, timeout=CALL_TIMEOUT_S)
        except Exception as e:  # noqa: BLE001 - a dead or stuck instance: restart
            raise _InstanceFailed(f"{type(e).__name__}: {e}") from None

    def _teardown(self) -> None:
        """close() on every instance (sources and sinks release what they opened), a short
        wait for the live ones, then kill."""
        handles, self._handles = self._handles, {}
        closing = []
        for h in handles.values():
            try:
                closing.append(h.close.remote())
            except Exception:  # noqa: BLE001 - a dead instance cannot close
                pass
        try:
            colony.wait(closing, num_returns=len(closing), timeout=CLOSE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - best effort: the kill follows anyway
            pass
        for h in handles.values():
            try:
                colony.kill(h)
            except Exception:  # noqa: BLE001 - already dead is fine
                pass

    def _supervise(self):
        keys = list(self._handles)
        sources = {k for k in keys if self.plan.operator(k[0]).kind == "SOURCE"}
        interval = self.plan.checkpoint.interval_ms / 1000.0
        timeout = max(1, self.plan.checkpoint.timeout_ms) / 1000.0
        pending = None
        final_id = None
        final_commits = []
        stopping = None
        stop_id, stop_commits = None, []
        last_trigger = time.monotonic()
        while True:
            replies = [_checked_reply(k, r) for k, r in
                       zip(keys, self._get([self._handles[k].poll.remote() for k in keys]))]
            now = time.monotonic()
            exhausted = all(replies[keys.index(k)]["exhausted"] for k in sources)
            for k, reply in zip(keys, replies):
                if reply.get("error"):
                    raise _InstanceFailed(f"operator {k[0]} instance {k[1]} failed:\n"
                                          f"{reply['error']}")
                for ack in reply["acks"]:
                    if pending is not None and ack["checkpoint"] == pending.checkpoint_id:
                        pending.states[f"{k[0]}/{k[1]}"] = ack["state"]
            self._update_metrics(keys, replies, now)
            if pending is not None and len(pending.states) == len(pending.expected):
                self.store.save(pending.checkpoint_id, self.plan_json, pending.states)
                self.last_checkpoint = pending.checkpoint_id
                self.last_checkpoint_time = now
                commits = [self._handles[k].commit.remote(pending.checkpoint_id) for k in keys]
                if pending.final:
                    final_id = pending.checkpoint_id
                    final_commits = commits
                elif stopping is not None:
                    stop_id, stop_commits = pending.checkpoint_id, commits
                pending = None
            elif pending is not None and now - pending.started > timeout:
                raise _InstanceFailed(f"checkpoint {pending.checkpoint_id} did not complete "
                                      f"within {timeout:.0f} s")
            if final_id is not None and all(r["finished"] for r in replies):
                # An instance that does not report `committed` has applied the commit once
                # its commit call has returned.
                if all(self._committed(r, ref, final_id)
                       for r, ref in zip(replies, final_commits)):
                    return (FINISHED,)
            if stop_id is not None and all(self._committed(r, ref, stop_id)
                                           for r, ref in zip(replies, stop_commits)):
                return (STOPPED,)   # the sinks have committed up to the stop's checkpoint
            with self._lock:
                stop, self._stop_request = self._stop_request, None
            if stop is not None and stopping is None:
                stopping = stop
                if not stop["checkpoint"]:
                    return (STOPPED,)
            if pending is None and final_id is None and stop_id is None:
                want_final = exhausted and stopping is None
                due = stopping is not None or want_final or (
                    interval > 0 and now - last_trigger >= interval)
                if due:
                    pending = _Pending(self._next_checkpoint, want_final,
                                       {f"{k[0]}/{k[1]}" for k in keys})
                    self._next_checkpoint += 1
                    last_trigger = now
                    for k in sources:
                        self._handles[k].checkpoint.remote(pending.checkpoint_id,
                                                           pending.final)
            time.sleep(POLL_INTERVAL_S)

    def _committed(self, reply, commit_ref, checkpoint_id) -> bool:
        if "committed" in reply:
            return reply["committed"] >= checkpoint_id
        ready, _ = colony.wait([commit_ref], timeout=0)
        if ready:
            self._get([commit_ref])   # raises if the call failed
        return bool(ready)

    def _update_metrics(self, keys, replies, now) -> None:
        per_op = {}
        for k, reply in zip(keys, replies):
            self.pids[k] = reply.get("pid")
            m = reply["metrics"]
            # Without per-operator counts (optional in the protocol) the chain's totals
            # stand for its first operator.
            ops = m.get("operators") or {k[0]: {"records_in": m.get("records_in", 0),
                                                "records_out": m.get("records_out", 0)}}
            for op_id, counts in ops.items():
                agg = per_op.setdefault(op_id, {"records_in": 0, "records_out": 0,
                                                "backlog": 0, "late_dropped": 0,
                                                "instances": 0, "watermark": None})
                agg["records_in"] += counts["records_in"]
                agg["records_out"] += counts["records_out"]
                agg["instances"] += 1
                if op_id == k[0]:
                    agg["backlog"] += m.get("backlog", 0)
                    agg["late_dropped"] += m.get("late_dropped", 0)
                    wm = m.get("watermark")
                    if wm is not None:
                        agg["watermark"] = wm if agg["watermark"] is None else min(
                            agg["watermark"], wm)
        with self._lock:
            for op_id, agg in per_op.items():
                prev = self._rates.get(op_id)
                if prev is None or now - prev[0] >= 1.0:
                    if prev is not None:
                        dt = now - prev[0]
                        agg["records_in_per_s"] = max(0.0, (agg["records_in"] - prev[1]) / dt)
                        agg["records_out_per_s"] = max(0.0, (agg["records_out"] - prev[2]) / dt)
                    else:
                        agg["records_in_per_s"] = agg["records_out_per_s"] = 0.0
                    self._rates[op_id] = (now, agg["records_in"], agg["records_out"],
                                          agg["records_in_per_s"], agg["records_out_per_s"])
                else:
                    agg["records_in_per_s"], agg["records_out_per_s"] = prev[3], prev[4]
                agg["checkpoint_age_s"] = now - self.last_checkpoint_time
                agg["last_checkpoint"] = self.last_checkpoint
                agg["name"] = self.plan.operator(op_id).name
                agg["parallelism"] = self.plan.operator(op_id).parallelism
                self._metrics[op_id] = agg
