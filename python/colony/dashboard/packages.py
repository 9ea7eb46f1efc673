"""Uploaded working folders: kept in the GCS by content hash, unpacked once per node.

A package is stored under its SHA-256, so a folder that did not change is uploaded once
and jobs that use the same one share its unpacked copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading

from colony._private import runtime_env
from colony.dashboard.kv_store import KeyValueStore

KV_NAMESPACE = "packages"


class PackageStore:
    def __init__(self, store: KeyValueStore, unpack_root: str):
        self._store = store
        self._root = unpack_root
        self._lock = threading.Lock()
        self._unpack_locks: dict = {}

    def exists(self, digest: str) -> bool:
        return digest in self._store.keys(KV_NAMESPACE, digest)

    def add(self, digest: str, data: bytes) -> None:
        """Stores an upload after checking that it is what its name says."""
        if not runtime_env.is_package_hash(digest):
            raise runtime_env.RuntimeEnvError(f"{digest!r} is not a SHA-256 hex digest")
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise runtime_env.RuntimeEnvError(f"package content hashes to {actual}, not to the "
                                              f"{digest} it was uploaded as")
        if len(data) > runtime_env.MAX_PACKAGE_BYTES:
            raise runtime_env.RuntimeEnvError(
                f"package of {len(data)} bytes is over the {runtime_env.MAX_PACKAGE_BYTES} "
                "byte limit")
        self._store.put(KV_NAMESPACE, digest, data)

    def local_dir(self, uri: str) -> str:
        """The folder holding package `uri` unpacked on this node, unpacking it if needed.

        Unpacked into a temporary folder and renamed into place, so a folder at the final
        path is always complete, even after a crash halfway through.
        """
        digest = runtime_env.package_hash(uri)
        target = os.path.join(self._root, digest)
        with self._lock:
            lock = self._unpack_locks.setdefault(digest, threading.Lock())
        with lock:
            if os.path.isdir(target):
                return target
            data = self._store.get(KV_NAMESPACE, digest)
            if data is None:
                raise runtime_env.RuntimeEnvError(
                    f"working_dir package {uri} was never uploaded to this cluster")
            os.makedirs(self._root, mode=0o700, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix=f".{digest[:12]}.", dir=self._root)
            try:
                runtime_env.unpack(data, os.path.join(tmp, "pkg"))
                os.rename(os.path.join(tmp, "pkg"), target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            return target
