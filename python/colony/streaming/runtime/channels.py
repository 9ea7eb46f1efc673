"""Channels between operator instances: batching and credits on the sending side
(`OutputEdge`), queues and barrier alignment on the receiving side (`InputGate`).

docs/streaming.md ("Credits") is the protocol. Each message costs one credit; a sender with
no credit on a channel waits in `_send` (so its instance stops reading its input), which is
how back-pressure reaches the sources.
"""

from __future__ import annotations

import collections
import pickle
import threading
import time
import zlib

import msgpack


def key_partition(key, parallelism: int) -> int:
    """crc32 of the key's XLANG (MessagePack) bytes, mod parallelism: the same in Java."""
    if isinstance(key, tuple):
        key = list(key)
    try:
        packed = msgpack.packb(key, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"key_by gave a key of type {type(key).__name__} ({key!r:.80}), which "
                        f"has no XLANG form ({e}); keys must be strings, numbers, bytes, "
                        "booleans, None, or lists/tuples of them") from None
    return zlib.crc32(packed) % parallelism


def approx_size(record) -> int:
    if isinstance(record, (str, bytes)):
        return len(record) + 8
    if isinstance(record, (tuple, list)):
        return sum(approx_size(r) for r in record) + 8
    if isinstance(record, dict):
        return sum(approx_size(k) + approx_size(v) for k, v in record.items()) + 8
    nbytes = getattr(record, "nbytes", None)   # Arrow batches and tables, numpy arrays
    return nbytes + 64 if isinstance(nbytes, int) else 16


class Credits:
    """Credits per outgoing channel; `take` waits for one (or for the instance to stop)."""

    def __init__(self, channels: list, window: int):
        self._cond = threading.Condition()
        self._credits = {c: window for c in channels}
        self._stopping = False
        self.waiting_since = None

    def grant(self, channel: str, n: int) -> None:
        with self._cond:
            if channel in self._credits:
                self._credits[channel] += n
                self._cond.notify_all()

    def take(self, channel: str) -> bool:
        with self._cond:
            while self._credits[channel] <= 0 and not self._stopping:
                if self.waiting_since is None:
                    self.waiting_since = time.monotonic()
                self._cond.wait(0.5)
            self.waiting_since = None
            if self._stopping:
                return False
            self._credits[channel] -= 1
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()


_KEY_CACHE_SIZE = 100_000


def estimate_size(records: list) -> int:
    """About the encoded size of `records`: exact-ish for strings and bytes, sampled (8
    records, evenly spaced) for the rest, so that batching costs little per record."""
    n = len(records)
    if n <= 8:
        return sum(approx_size(r) for r in records)
    step = n // 8
    return sum(approx_size(records[i]) for i in range(0, step * 8, step)) * n // 8


class _Pending:
    __slots__ = ("records", "timestamps", "bytes", "since")

    def __init__(self):
        self.records = []
        self.timestamps = None   # a list parallel to records once any record has one
        self.bytes = 0
        self.since = None


class OutputEdge:
    """One output edge of an instance: its targets (channel id, actor handle) in downstream
    instance order, the partitioning, and a batch being filled per target. Records are
    added in slices, not one by one: per-record work is what limits a Python operator."""

    def __init__(self, edge: dict, credits: Credits, channel_config):
        self.partitioning = edge["partitioning"]
        self.encoding = edge["encoding"]
        self.targets = [(t["channel"], t["handle"]) for t in edge["targets"]]
        self._credits = credits
        self._batch_size = max(1, channel_config.batch_size)
        self._max_bytes = max(1, channel_config.max_batch_bytes)
        self._timeout = channel_config.batch_timeout_ms / 1000.0
        self._pending = [_Pending() for _ in self.targets]
        self._next = 0  # REBALANCE: the next target
        self._key_targets = {}   # KEY_HASH: key -> target, as hashing a key costs ~1 us
        self.records_out = 0

    def emit(self, records: list, timestamps) -> None:
        if not records:
            return
        self.records_out += len(records)
        if self.partitioning == "KEY_HASH":
            n = len(self.targets)
            parts = [[] for _ in range(n)]
            part_ts = [[] for _ in range(n)] if timestamps else None
            cache = self._key_targets
            for i, r in enumerate(records):
                key = r[0]
                try:
                    t = cache[key]
                except KeyError:
                    t = key_partition(key, n)
                    if len(cache) >= _KEY_CACHE_SIZE:
                        cache.clear()
                    cache[key] = t
                except TypeError:   # an unhashable key (a list): no caching
                    t = key_partition(key, n)
                parts[t].append(r)
                if part_ts is not None:
                    part_ts[t].append(timestamps[i])
            for t in range(n):
                if parts[t]:
                    self._add(t, parts[t], part_ts[t] if part_ts is not None else None)
        elif self.partitioning == "BROADCAST":
            for t in range(len(self.targets)):
                self._add(t, records, timestamps)
        elif self.partitioning == "REBALANCE":
            self._add(self._next, records, timestamps, rebalance=True)
        else:
            self._add(0, records, timestamps)

    def _add(self, target: int, records: list, timestamps, rebalance: bool = False) -> None:
        """Appends to the target's batch, sending each batch that fills (REBALANCE: the rest
        goes on to the next target)."""
        i, n = 0, len(records)
        while i < n:
            p = self._pending[target]
            if p.since is None:
                p.since = time.monotonic()
            space = self._batch_size - len(p.records)
            chunk = records[i:i + space]
            size = estimate_size(chunk)
            if p.bytes + size > self._max_bytes and len(chunk) > 1:
                # keep the batch near max_batch_bytes: as many records as fit, at least one
                per_record = max(1, size // len(chunk))
                fit = max(1, (self._max_bytes - p.bytes) // per_record)
                chunk = chunk[:fit]
                size = estimate_size(chunk)
            p.records.extend(chunk)
            if timestamps is not None:
                if p.timestamps is None:
                    p.timestamps = [None] * (len(p.records) - len(chunk))
                p.timestamps.extend(timestamps[i:i + len(chunk)])
            elif p.timestamps is not None:
                p.timestamps.extend([None] * len(chunk))
            p.bytes += size
            i += len(chunk)
            if len(p.records) >= self._batch_size or p.bytes >= self._max_bytes:
                self._flush(target)
                if rebalance:
                    target = self._next = (self._next + 1) % len(self.targets)

    def _flush(self, target: int) -> None:
        p = self._pending[target]
        if not p.records:
            return
        self._pending[target] = _Pending()
        if self.encoding == "PICKLE":
            records = pickle.dumps(p.records, protocol=5)
        else:
            records = p.records   # the XLANG encoder writes tuples as lists
        self._send(target, {"kind": "batch", "encoding": self.encoding, "records": records,
                            "timestamps": p.timestamps})

    def _send(self, target: int, message: dict) -> None:
        channel, handle = self.targets[target]
        if self._credits.take(channel):
            handle.push.remote(channel, message)

    def flush_due(self, now: float) -> float | None:
        """Sends batches older than the timeout; returns the next deadline, if any."""
        deadline = None
        for t, p in enumerate(self._pending):
            if p.since is None:
                continue
            due = p.since + self._timeout
            if due <= now:
                self._flush(t)
            elif deadline is None or due < deadline:
                deadline = due
        return deadline

    def broadcast(self, message: dict) -> None:
        """A control message to every target, after the batches being filled."""
        for t in range(len(self.targets)):
            self._flush(t)
            self._send(t, message)


class InputGate:
    """Queues of the input channels, filled by `push` calls (actor thread) and drained by
    the instance's own thread. Control calls (checkpoint triggers, commits) share the
    wake-up. Credits go back to the upstream once half the window is used or the queue
    runs empty."""

    def __init__(self, inputs: list, window: int):
        self._cond = threading.Condition()
        self._queues = {i["channel"]: collections.deque() for i in inputs}
        self._upstream = {i["channel"]: i["upstream"] for i in inputs}
        self._order = list(self._queues)
        self._blocked = set()
        self._ended = set()
        self._consumed = {c: 0 for c in self._queues}
        self._control = collections.deque()
        self._rr = 0
        self._grant_at = max(1, window // 2)
        self.backlog = 0

    @property
    def channels(self) -> list:
        return self._order

    def push(self, channel: str, message: dict) -> None:
        with self._cond:
            q = self._queues.get(channel)
            if q is None:
                raise ValueError(f"this instance has no input channel {channel!r}")
            q.append(message)
            self.backlog += 1
            self._cond.notify()

    def control(self, item) -> None:
        with self._cond:
            self._control.append(item)
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def block(self, channel: str) -> None:
        self._blocked.add(channel)

    def unblock_all(self) -> None:
        with self._cond:
            self._blocked.clear()

    def end(self, channel: str) -> None:
        self._ended.add(channel)

    def open_channels(self) -> list:
        return [c for c in self._order if c not in self._ended]

    def next(self, timeout: float):
        """('control', item), (channel, message) or None after `timeout` seconds."""
        credit = None
        with self._cond:
            deadline = time.monotonic() + timeout
            while True:
                if self._control:
                    return "control", self._control.popleft()
                n = len(self._order)
                for k in range(n):
                    c = self._order[(self._rr + k) % n]
                    q = self._queues[c]
                    if q and c not in self._blocked:
                        self._rr = (self._rr + k + 1) % n
                        message = q.popleft()
                        self.backlog -= 1
                        self._consumed[c] += 1
                        if self._consumed[c] >= self._grant_at or not q:
                            credit = (c, self._consumed[c])
                            self._consumed[c] = 0
                        break
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    self._cond.wait(left)
                    continue
                break
        if credit is not None:
            self._upstream[credit[0]].credit.remote(credit[0], credit[1])
        return c, message
