"""The driver's end of worker output: a daemon thread takes this job's lines from the core
worker's log subscriber (which long-polls the GCS and folds repeats) and prints them to
sys.stdout or sys.stderr (docs/observability.md). `colony.init(log_to_driver=False)` starts
none.

COLONY_DEDUP_LOGS=0 prints every line; COLONY_DEDUP_LOGS_AGG_WINDOW_S (default 5) is how
long a printed line folds its repeats.
"""

from __future__ import annotations

import os
import sys
import threading

from colony import _core

_POLL_MS = 500
_thread: threading.Thread | None = None


def _dedup_window_ms() -> int:
    if os.environ.get("COLONY_DEDUP_LOGS", "1") == "0":
        return 0
    try:
        seconds = float(os.environ.get("COLONY_DEDUP_LOGS_AGG_WINDOW_S", "5"))
    except ValueError:
        raise ValueError("COLONY_DEDUP_LOGS_AGG_WINDOW_S must be a number of seconds, got "
                         f"{os.environ['COLONY_DEDUP_LOGS_AGG_WINDOW_S']!r}") from None
    return max(0, int(seconds * 1000))


def start(gcs_address: str, token: str, job_id_hex: str) -> None:
    global _thread
    window = _dedup_window_ms()
    _core.start_log_subscriber(gcs_address, token, job_id_hex, window)
    _thread = threading.Thread(target=_print_lines, name="colony-log-printer", daemon=True)
    _thread.start()


def _print_lines() -> None:
    while True:
        lines = _core.next_log_lines(_POLL_MS)
        if lines is None:
            return
        touched = set()
        for is_err, text in lines:
            stream = sys.stderr if is_err else sys.stdout
            try:
                stream.write(text.decode("utf-8", "replace") + "\n")
                touched.add(stream)
            except (OSError, ValueError):  # a closed stream: the driver is exiting
                pass
        for stream in touched:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass


def stop() -> None:
    """Stops polling and prints what is left (folded repeats included)."""
    global _thread
    if _thread is None:
        return
    _core.stop_log_subscriber()
    _thread.join(timeout=5)
    if not _thread.is_alive():
        _core.release_log_subscriber()
    _thread = None
