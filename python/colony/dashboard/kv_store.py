"""Where the job API keeps its state: a key-value seam over the GCS's internal KV.

The GCS is the cluster's source of truth, so job records and uploaded packages live there
(tables `KV@<namespace>`, through the GCS store) and outlive this process. Unit tests use
the in-memory implementation.
"""

from __future__ import annotations

import threading
from typing import Protocol


class KeyValueStore(Protocol):
    def get(self, namespace: str, key: str) -> bytes | None: ...

    def put(self, namespace: str, key: str, value: bytes) -> None: ...

    def delete(self, namespace: str, key: str) -> None: ...

    def keys(self, namespace: str, prefix: str = "") -> list: ...


class GcsKeyValueStore:
    """The GCS internal KV, reached through this process's core worker (Python-side RPC
    stays inside the C++ core). colony.init() must have been called."""

    def __init__(self):
        from colony import _core
        self._core = _core

    def get(self, namespace: str, key: str) -> bytes | None:
        return self._core.kv_get(namespace, key.encode())

    def put(self, namespace: str, key: str, value: bytes) -> None:
        self._core.kv_put(namespace, key.encode(), value, True)

    def delete(self, namespace: str, key: str) -> None:
        self._core.kv_del(namespace, key.encode(), False)

    def keys(self, namespace: str, prefix: str = "") -> list:
        return [k.decode() for k in self._core.kv_keys(namespace, prefix.encode())]


class InMemoryKeyValueStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._data: dict = {}

    def get(self, namespace: str, key: str) -> bytes | None:
        with self._lock:
            return self._data.get((namespace, key))

    def put(self, namespace: str, key: str, value: bytes) -> None:
        with self._lock:
            self._data[(namespace, key)] = bytes(value)

    def delete(self, namespace: str, key: str) -> None:
        with self._lock:
            self._data.pop((namespace, key), None)

    def keys(self, namespace: str, prefix: str = "") -> list:
        with self._lock:
            return sorted(k for ns, k in self._data if ns == namespace and k.startswith(prefix))
