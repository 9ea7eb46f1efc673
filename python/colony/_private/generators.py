"""Streaming generators (num_returns="streaming"): the caller's ObjectRefGenerator, and the
executor's loop that reports each yielded item as it is made.

The executor reports item i (a return object with its own id) to the caller and waits for
the reply; the caller holds that reply while `_generator_backpressure_num_objects` items are
unconsumed, which pauses the generator. The task's one return ends the stream: the item
count, or the task's failure. An exception raised by the generator becomes the item where
it happened (its ref raises on get), and the stream ends after it.
"""

from __future__ import annotations

import asyncio

from colony import _core
from colony import exceptions

_WAIT_SLICE_MS = 1000  # a blocked next() wakes this often (Ctrl-C, its own deadline)


class ObjectRefGenerator:
    """What `f.remote()` returns for a streaming generator task: iterate it (or `async for`)
    to get one ObjectRef per yielded item, as soon as each is made."""

    def __init__(self, end_ref):
        self._end_ref = end_ref  # return 1: the item count, or the task's failure
        self._task_id = bytes.fromhex(end_ref.task_id())
        self._owner = end_ref.owner_address()
        self._index = 0
        self._done = False

    def __iter__(self):
        return self

    def __next__(self):
        return self._next(None)

    def next(self, timeout: float | None = None):
        """The next item's ref; GetTimeoutError if none comes within `timeout` seconds."""
        return self._next(timeout)

    def __aiter__(self):
        return self

    async def __anext__(self):
        loop = asyncio.get_running_loop()
        # StopIteration cannot cross a future: the thread hands back a sentinel instead.
        ref = await loop.run_in_executor(None, self._next_or_none)
        if ref is None:
            raise StopAsyncIteration
        return ref

    def _next_or_none(self):
        try:
            return self._next(None)
        except StopIteration:
            return None

    def completed(self):
        """A ref that is ready once the task has ended (its value: the number of items)."""
        return self._end_ref

    def task_id(self) -> bytes:
        return self._task_id

    def _next(self, timeout):
        if self._done:
            raise StopIteration
        left_ms = None if timeout is None else max(0, int(timeout * 1000))
        while True:
            slice_ms = _WAIT_SLICE_MS if left_ms is None else min(left_ms, _WAIT_SLICE_MS)
            kind, item_id = _core.generator_next(self._task_id, self._index, slice_ms)
            if kind == _core.GENERATOR_ITEM:
                ref = _core.ObjectRef(item_id, self._owner)
                _core.generator_consumed(self._task_id, self._index)  # our ref holds it now
                self._index += 1
                return ref
            if kind == _core.GENERATOR_TIMED_OUT:
                if left_ms is not None:
                    left_ms -= slice_ms
                    if left_ms <= 0:
                        raise exceptions.GetTimeoutError(
                            f"no item {self._index} of the streaming task within {timeout} s")
                continue
            return self._end()

    def _end(self):
        """The stream is over: the task's failure, if any, is the last item."""
        self._done = True
        _core.generator_stop(self._task_id, True)
        from colony._private import worker
        try:
            worker.get(self._end_ref)
        except Exception:
            return self._end_ref  # its get raises the task's error
        raise StopIteration

    def _stop(self):
        """The caller wants no more items (cancel): the executor is told at its next report."""
        _core.generator_stop(self._task_id, False)

    def __del__(self):
        if not self._done:
            try:
                _core.generator_stop(self._task_id, True)
            except Exception:
                pass  # interpreter shutdown

    def __repr__(self):
        return f"ObjectRefGenerator({self._task_id.hex()})"


def run_streaming(generator, pack, pack_error, report) -> int:
    """Executor: drives `generator`, reporting item i as report(i, pack(value, i)) (which
    returns True when the caller wants no more). A raise inside the generator, or a value
    that cannot be packed, is reported as the item where it happened (pack_error(e)) and
    ends the stream. Returns the number of items reported."""
    index = 0
    try:
        for value in generator:
            if report(index, pack(value, index)):
                close = getattr(generator, "close", None)
                if close is not None:
                    close()
                return index + 1
            index += 1
    except Exception as e:  # the generator's own failure: the stream's last item
        report(index, pack_error(e))
        return index + 1
    return index


async def run_streaming_async(generator, pack, pack_error, report) -> int:
    """run_streaming for an async generator on an actor's event loop: each report (which
    may wait for the caller's back-pressure) runs off the loop."""
    loop = asyncio.get_running_loop()
    index = 0
    try:
        async for value in generator:
            packed = pack(value, index)
            if await loop.run_in_executor(None, report, index, packed):
                await generator.aclose()
                return index + 1
            index += 1
    except Exception as e:
        await loop.run_in_executor(None, report, index, pack_error(e))
        return index + 1
    return index
