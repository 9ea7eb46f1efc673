"""User-facing source and sink interfaces, and the built-in ones.

A `SourceFunction` reads from a replayable position (its offset): after a failure the job
reopens it at the offset recorded by the last complete checkpoint, so records after it are
read again. A `Sink` writes in two phases: `stage` makes a checkpoint's records durable but
invisible, `commit` makes them visible once the checkpoint is complete; with a replayable
source this gives exactly-once output.
"""

from __future__ import annotations

import json
import os
import pickle
import time


class SourceFunction:
    """A source with replayable offsets. Subclass it and pass an instance to
    `StreamingContext.from_source`; one copy runs in each source instance."""

    def open(self, instance: int, parallelism: int, offset) -> None:
        """Start reading this instance's share at `offset` (None: from the beginning)."""

    def read(self, max_records: int):
        """Up to `max_records` records: a list ([] when nothing is ready yet), or None once
        this instance's input is exhausted (a bounded source)."""
        raise NotImplementedError

    def offset(self):
        """The position just after the last record `read` returned; any picklable value."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what open took."""


class CollectionSource(SourceFunction):
    """The elements of a list, dealt round robin to the instances; offset = index."""

    def __init__(self, elements: list):
        self._elements = list(elements)
        self._mine: list = []
        self._pos = 0

    def open(self, instance, parallelism, offset):
        self._mine = self._elements[instance::parallelism]
        self._pos = offset or 0

    def read(self, max_records):
        if self._pos >= len(self._mine):
            return None
        out = self._mine[self._pos:self._pos + max_records]
        self._pos += len(out)
        return out

    def offset(self):
        return self._pos


class GeneratorSource(SourceFunction):
    """`fn(instance, parallelism)` returns an iterator; offset = records taken. On restore
    the iterator is made again and that many records skipped, so it must be deterministic."""

    def __init__(self, fn, max_wait_s: float = 0.005):
        self._fn = fn
        self._it = None
        self._taken = 0
        # read() returns what it has after this long, so a slow iterator's records do not
        # wait for a whole batch (latency at low rates).
        self.max_wait_s = max_wait_s

    def open(self, instance, parallelism, offset):
        self._it = iter(self._fn(instance, parallelism))
        self._taken = 0
        for _ in range(offset or 0):
            next(self._it)
            self._taken += 1

    def read(self, max_records):
        out = []
        deadline = time.monotonic() + self.max_wait_s
        for record in self._it:
            out.append(record)
            if len(out) >= max_records or time.monotonic() >= deadline:
                break
        self._taken += len(out)
        return out if out else None

    def offset(self):
        return self._taken


class Sink:
    """Two-phase sink: `stage` at each checkpoint's barrier, `commit` once it completes."""

    def open(self, instance: int, parallelism: int) -> None:
        """Called once per instance before any record."""

    def stage(self, checkpoint_id: int, records: list):
        """Make `records` durable but invisible; return a small picklable transaction handle
        (it goes into the checkpoint)."""
        raise NotImplementedError

    def commit(self, transaction) -> None:
        """Make a staged transaction visible. Must be idempotent: after a restore it may be
        called again for a transaction already committed."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what open took."""


class FileSink(Sink):
    """Writes each committed checkpoint's records of an instance as one file of JSON lines,
    `<folder>/part-<instance>-<checkpoint>.jsonl`; staged files end in `.pending` and are
    renamed at commit (atomic on one file system). `read_file_sink(folder)` reads them."""

    def __init__(self, folder: str):
        self._folder = os.path.abspath(folder)
        self._instance = 0

    def open(self, instance, parallelism):
        os.makedirs(self._folder, exist_ok=True)
        self._instance = instance

    def stage(self, checkpoint_id, records):
        final = os.path.join(self._folder, f"part-{self._instance:04d}-{checkpoint_id:010d}.jsonl")
        pending = final + ".pending"
        with open(pending, "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record))
                f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        return final

    def commit(self, transaction):
        pending = transaction + ".pending"
        if os.path.exists(pending):
            os.replace(pending, transaction)


def read_file_sink(folder: str) -> list:
    """The committed records of a FileSink folder, in (instance, checkpoint, line) order."""
    out = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("part-") and name.endswith(".jsonl"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                out.extend(json.loads(line) for line in f if line.strip())
    return out


class CallbackSink(Sink):
    """Calls `fn(records)` in the sink instance with each checkpoint's records when it
    completes. The staged records live in the checkpoint itself; `fn` should be idempotent
    for exactly-once (a crash between its call and the next checkpoint repeats it)."""

    def __init__(self, fn):
        self._fn = fn

    def stage(self, checkpoint_id, records):
        return (checkpoint_id, pickle.dumps(records, protocol=5))

    def commit(self, transaction):
        self._fn(pickle.loads(transaction[1]))
