"""Builds each cached thing of the agent's folder once, however many requests ask at once.

A thing (an unpacked package, a virtualenv) lives in its own folder, named by a content
hash, and counts as built only once its builder returned: builders make it in a temporary
place or write a marker last, so a crash or a failure never leaves something that looks
good (no poisoned cache). Requests for the same key wait for the one build.
"""

from __future__ import annotations

import collections
import threading


class ResourceCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._key_locks: dict = collections.defaultdict(threading.Lock)
        # kind -> key -> {"builds", "hits", "failures"}: what tests and operators read.
        self.counts: dict = collections.defaultdict(
            lambda: collections.defaultdict(lambda: {"builds": 0, "hits": 0, "failures": 0}))

    def get(self, kind: str, key: str, is_built, build):
        """Returns `build()`'s work for (kind, key), building it unless `is_built()` says
        it is there already. `build` raises on failure; nothing is recorded as built then."""
        with self._lock:
            key_lock = self._key_locks[(kind, key)]
        with key_lock:
            if is_built():
                self._count(kind, key, "hits")
                return
            try:
                build()
            except BaseException:
                self._count(kind, key, "failures")
                raise
            self._count(kind, key, "builds")

    def _count(self, kind: str, key: str, what: str) -> None:
        with self._lock:
            self.counts[kind][key][what] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {kind: {key: dict(c) for key, c in keys.items()}
                    for kind, keys in self.counts.items()}
