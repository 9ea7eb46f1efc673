"""The Python operator actor: one instance of a chain of operators (docs/streaming.md,
"Methods of an operator actor").

Its methods only hand work to the instance's own thread or read its state, so they return
at once; the thread reads input channels (or the source), runs the chain and sends.
The class is plain (not decorated) so that a Java coordinator can create it by module and
class name.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
import traceback

from colony.streaming.plan import JobPlan
from colony.streaming.runtime.channels import Credits, InputGate, OutputEdge
from colony.streaming.runtime.operators import END_OF_TIME, make_logic


class _Chain:
    """Runs a batch or a watermark through the operators of a chain, in order."""

    def __init__(self, logics: list, outputs: list):
        self.logics = logics
        self.outputs = outputs

    def push(self, start: int, records: list, timestamps) -> None:
        for i in range(start, len(self.logics)):
            logic = self.logics[i]
            logic.records_in += len(records)
            records, timestamps = logic.process(records, timestamps)
            logic.records_out += len(records)
            wm = logic.take_watermark()
            if wm is not None:
                self._emit(i + 1, records, timestamps)
                self.watermark(i + 1, wm)
                return
            if not records:
                return
        self._emit(len(self.logics), records, timestamps)

    def _emit(self, start, records, timestamps):
        if not records:
            return
        if start < len(self.logics):
            self.push(start, records, timestamps)
        else:
            for out in self.outputs:
                out.emit(records, timestamps)

    def watermark(self, start: int, wm: int) -> None:
        for i in range(start, len(self.logics)):
            records, timestamps, wm = self.logics[i].on_watermark(wm)
            self.logics[i].records_out += len(records)
            self._emit(i + 1, records, timestamps)
            if wm is None:
                return
        for out in self.outputs:
            out.broadcast({"kind": "watermark", "timestamp": wm})


class OperatorActor:
    def __init__(self):
        self._lock = threading.Lock()
        self._acks = []
        self._error = None
        self._finished = False
        self._exhausted = False
        self._committed = 0
        self._records_in = 0
        self._thread = None
        self._running = False
        self._started = threading.Event()
        self._gate = None
        self._credits = None
        self._watermark = None
        self._logics = []
        self._outputs = []

    # ---- methods called by the coordinator and by other instances ----

    def open(self, config: dict) -> bool:
        plan = JobPlan.from_json(config["plan"])
        self._plan = plan
        self._instance = int(config["instance"])
        ops = [plan.operator(i) for i in config["operators"]]
        self._is_source = ops[0].kind == "SOURCE"
        parallelism = ops[0].parallelism
        window = max(1, plan.channel.credits)
        out_channels = [t["channel"] for o in config["outputs"] for t in o["targets"]]
        self._credits = Credits(out_channels, window)
        self._outputs = [OutputEdge(o, self._credits, plan.channel) for o in config["outputs"]]
        self._gate = InputGate(config["inputs"], window)
        self._channel_wm = {}
        self._aligning = None   # (checkpoint id, final, channels seen)
        self._logics = [make_logic(op, plan.channel) for op in ops]
        restore = config.get("restore")
        states = None
        if restore is not None:
            states = pickle.loads(restore["state"])
            self._committed = int(restore["checkpoint"])
        for i, logic in enumerate(self._logics):
            logic.open(self._instance, parallelism, None if states is None else states[i])
        self._chain = _Chain(self._logics, self._outputs)
        self._running = True
        self._thread = threading.Thread(target=self._run, name="colony-streaming-operator",
                                        daemon=True)
        self._thread.start()
        return True

    def start(self) -> None:
        self._started.set()
        self._gate.wake()

    def push(self, channel: str, message: dict) -> None:
        self._gate.push(channel, message)

    def credit(self, channel: str, n: int) -> None:
        self._credits.grant(channel, int(n))

    def checkpoint(self, checkpoint_id: int, final: bool) -> None:
        self._gate.control(("checkpoint", int(checkpoint_id), bool(final)))

    def commit(self, checkpoint_id: int) -> None:
        self._gate.control(("commit", int(checkpoint_id)))

    def poll(self) -> dict:
        with self._lock:
            acks, self._acks = self._acks, []
        gate = self._gate
        return {"acks": acks, "finished": self._finished, "exhausted": self._exhausted,
                "error": self._error, "committed": self._committed, "pid": os.getpid(),
                "metrics": {"records_in": self._records_in,
                            "records_out": sum(o.records_out for o in self._outputs),
                            "backlog": gate.backlog if gate else 0,
                            "late_dropped": sum(lg.late_dropped for lg in self._logics),
                            "watermark": self._watermark,
                            "operators": {lg.op.id: {"records_in": lg.records_in,
                                                     "records_out": lg.records_out}
                                          for lg in self._logics},
                            "blocked": self._credits.waiting_since is not None}}

    def close(self) -> None:
        self._running = False
        if self._credits is not None:
            self._credits.stop()
        if self._gate is not None:
            self._gate.wake()
        if self._thread is not None:
            self._thread.join(5)
        for logic in self._logics:
            try:
                logic.close()
            except Exception:  # noqa: BLE001 - closing must not stop the others closing
                pass

    # ---- the instance's thread ----

    def _run(self) -> None:
        try:
            self._started.wait()
            while self._running:
                if self._finished:
                    # Commits of the final checkpoint still come after the end of stream.
                    item = self._gate.next(0.1)
                    if item is not None and item[0] == "control":
                        self._on_control(item[1])
                    continue
                if self._is_source:
                    self._source_step()
                else:
                    self._input_step()
                now = time.monotonic()
                for out in self._outputs:
                    out.flush_due(now)
        except Exception:  # noqa: BLE001 - reported through poll; the job restarts
            self._error = traceback.format_exc()

    def _next_deadline(self) -> float:
        deadlines = [d for d in (o.flush_due(time.monotonic()) for o in self._outputs) if d]
        if not deadlines:
            return 0.05
        return max(0.0, min(deadlines) - time.monotonic())

    def _source_step(self) -> None:
        item = self._gate.next(0)
        if item is not None:
            self._on_control(item[1])
            return
        if self._exhausted:
            item = self._gate.next(0.05)
            if item is not None:
                self._on_control(item[1])
            return
        records = self._logics[0].read(self._plan.channel.batch_size)
        if records is None:
            self._exhausted = True
            for out in self._outputs:
                out.flush_due(float("inf"))
            return
        if not records:
            item = self._gate.next(min(0.01, self._next_deadline()))
            if item is not None:
                self._on_control(item[1])
            return
        self._records_in += len(records)
        self._logics[0].records_out += len(records)
        self._chain.push(1, records, None)

    def _input_step(self) -> None:
        item = self._gate.next(self._next_deadline())
        if item is None:
            return
        channel, message = item
        if channel == "control":
            self._on_control(message)
            return
        kind = message["kind"]
        if kind == "batch":
            records = message["records"]
            if message["encoding"] == "PICKLE":
                records = pickle.loads(records)
            self._records_in += len(records)
            self._chain.push(0, records, message.get("timestamps"))
        elif kind == "watermark":
            self._channel_wm[channel] = int(message["timestamp"])
            self._advance_watermark()
        elif kind == "barrier":
            self._on_barrier(channel, int(message["checkpoint"]), bool(message.get("final")))
        elif kind == "eos":
            self._gate.end(channel)
            self._channel_wm.pop(channel, None)
            self._advance_watermark()
            if self._aligning is not None:
                self._maybe_aligned()
            if not self._gate.open_channels():
                for out in self._outputs:
                    out.broadcast({"kind": "eos"})
                self._finished = True
        else:
            raise ValueError(f"unknown message kind {kind!r} on channel {channel}")

    def _advance_watermark(self) -> None:
        open_channels = self._gate.open_channels()
        if not open_channels or any(c not in self._channel_wm for c in open_channels):
            return
        wm = min(self._channel_wm[c] for c in open_channels)
        if self._watermark is None or wm > self._watermark:
            self._watermark = wm
            self._chain.watermark(0, wm)

    def _on_barrier(self, channel: str, checkpoint_id: int, final: bool) -> None:
        if self._aligning is None:
            self._aligning = (checkpoint_id, final, set())
        elif self._aligning[0] != checkpoint_id:
            raise RuntimeError(f"barrier {checkpoint_id} on channel {channel} while aligning "
                               f"barrier {self._aligning[0]}")
        self._aligning[2].add(channel)
        self._gate.block(channel)
        self._maybe_aligned()

    def _maybe_aligned(self) -> None:
        checkpoint_id, final, seen = self._aligning
        if all(c in seen for c in self._gate.open_channels()):
            self._aligning = None
            self._snapshot_and_forward(checkpoint_id, final)
            self._gate.unblock_all()

    def _snapshot_and_forward(self, checkpoint_id: int, final: bool) -> None:
        states = [logic.snapshot(checkpoint_id) for logic in self._logics]
        blob = pickle.dumps(states, protocol=5)
        for out in self._outputs:
            out.broadcast({"kind": "barrier", "checkpoint": checkpoint_id, "final": final})
        with self._lock:
            self._acks.append({"checkpoint": checkpoint_id, "state": blob})

    def _on_control(self, item) -> None:
        if item[0] == "commit":
            for logic in self._logics:
                logic.commit(item[1])
            self._committed = max(self._committed, item[1])
        elif item[0] == "checkpoint":
            _, checkpoint_id, final = item
            if final:
                self._chain.watermark(1, END_OF_TIME)
            self._snapshot_and_forward(checkpoint_id, final)
            if final:
                for out in self._outputs:
                    out.broadcast({"kind": "eos"})
                self._finished = True
