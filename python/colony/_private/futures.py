"""Futures for ObjectRefs: `ref.future()` and `await ref`.

The core worker queues a tag when a ref's value arrives (fetched from its owner if the ref
is borrowed) and wakes one eventfd; one daemon thread per process reads the tags and
completes the futures. No thread blocks per future, and `await ref` in an async actor never
blocks its event loop.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import select
import threading

from colony import _core
from colony._private import worker as worker_mod


class _ReadyWatcher:
    """Completes the futures of one core worker (a new one after each colony.init)."""

    def __init__(self, generation: int):
        self.generation = generation
        self.fd = _core.ready_fd()
        self._lock = threading.Lock()
        self._pending: dict = {}  # tag -> (ref, future)
        self._tags = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="colony-futures", daemon=True)
        self._thread.start()

    def future(self, ref) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        tag = next(self._tags)
        with self._lock:
            self._pending[tag] = (ref, fut)
        _core.notify_when_ready(ref, tag)  # may fire at once, on this thread's own call
        return fut

    def _run(self) -> None:
        while _core.is_initialized() and _core.generation() == self.generation:
            readable, _, _ = select.select([self.fd], [], [], 1.0)
            if not readable:
                continue
            try:
                tags = _core.take_ready()
            except Exception:  # noqa: BLE001 - shut down between the check and the read
                break
            for tag in tags:
                with self._lock:
                    entry = self._pending.pop(tag, None)
                if entry is not None:
                    self._complete(*entry)
        with self._lock:
            left, self._pending = list(self._pending.values()), {}
        for _, fut in left:
            _settle(fut, error=RuntimeError("colony was shut down before the value arrived"))

    @staticmethod
    def _complete(ref, fut: concurrent.futures.Future) -> None:
        try:
            value = worker_mod.get(ref, timeout=60)  # here already; a remote copy is pulled
        except BaseException as e:  # noqa: BLE001 - the task's error is the future's
            _settle(fut, error=e)
        else:
            _settle(fut, value=value)


def _settle(fut: concurrent.futures.Future, value=None, error: BaseException | None = None):
    if not fut.set_running_or_notify_cancel():
        return  # the user cancelled the future
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)


_watcher_lock = threading.Lock()
_watcher: _ReadyWatcher | None = None


def future_for(ref) -> concurrent.futures.Future:
    global _watcher
    if not _core.is_initialized():
        raise RuntimeError("colony.init() must be called before ObjectRef.future()")
    with _watcher_lock:
        generation = _core.generation()
        if _watcher is None or _watcher.generation != generation:
            _watcher = _ReadyWatcher(generation)
        watcher = _watcher
    return watcher.future(ref)


_core.set_future_factory(future_for)
