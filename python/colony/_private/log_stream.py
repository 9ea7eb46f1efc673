"""A worker's stdout and stderr, marked with what runs: the raylet's log monitor forwards a
worker's output to the drivers of its job, prefixed with the task or actor that printed it
(docs/observability.md).

The task path only sets a module global (`set_current`); a marker line is written to a
stream only when something is printed under a new task, just before that output:

    :colony-task:<task id hex>:<name>       a normal task
    :colony-actor:<actor id hex>:<class>    the actor this worker hosts (set once)

`colony logs --task ID` finds a task's output by its marker, too.
"""

from __future__ import annotations

import io
import sys

TASK_MARKER = ":colony-task:"
ACTOR_MARKER = ":colony-actor:"

_current: str | None = None  # the marker line of what runs now, without its newline


def set_task(task_id_hex: str, name: str) -> None:
    global _current
    _current = f"{TASK_MARKER}{task_id_hex}:{_one_line(name)}"


def set_actor(actor_id_hex: str, class_name: str) -> None:
    global _current
    _current = f"{ACTOR_MARKER}{actor_id_hex}:{_one_line(class_name)}"


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\r", " ")


class MarkedStream(io.TextIOBase):
    """Writes through to `raw` (line buffered), with the current marker line first when it
    differs from the last one this stream wrote."""

    def __init__(self, raw):
        self._raw = raw
        self._marked = None
        self._at_line_start = True

    def write(self, text: str) -> int:
        if not text:
            return 0
        marker = _current
        if marker is not None and marker is not self._marked:
            self._marked = marker
            # A marker must be a line of its own, even after a print without a newline.
            self._raw.write(("" if self._at_line_start else "\n") + marker + "\n")
        self._at_line_start = text.endswith("\n")
        return self._raw.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._raw.flush()

    def fileno(self) -> int:
        return self._raw.fileno()

    def isatty(self) -> bool:
        return self._raw.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self):
        return self._raw.encoding

    @property
    def errors(self):
        return self._raw.errors

    @property
    def buffer(self):
        return self._raw.buffer

    def __getattr__(self, name):
        return getattr(self._raw, name)


def install() -> None:
    """Called once at worker start: line-buffered, marked sys.stdout and sys.stderr, so what
    a task prints reaches the log file (and the driver) line by line."""
    for name in ("stdout", "stderr"):
        raw = getattr(sys, name)
        try:
            raw.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
        setattr(sys, name, MarkedStream(raw))
