"""Exports remote functions to the GCS KV (driver side) and loads them (worker side)."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import weakref

import cloudpickle

from colony import _core

KV_NAMESPACE = "fn"


def _pickle_by_value(fn) -> None:
    # Modules outside site-packages (scripts, test files, a project's own helpers) may not be
    # importable on workers, so their functions travel by value.
    module = sys.modules.get(fn.__module__)
    path = getattr(module, "__file__", None) or ""
    if module is None or fn.__module__ == "__main__" or "site-packages" in path:
        return
    if fn.__module__.split(".")[0] in ("colony",):
        return
    try:
        cloudpickle.register_pickle_by_value(module)
    except (ValueError, TypeError):
        pass


def max_function_bytes() -> int:
    """Pickled functions and classes above this size are refused (a closure over a large
    array belongs in the object store); COLONY_MAX_FUNCTION_BYTES overrides the 95 MiB."""
    value = os.environ.get("COLONY_MAX_FUNCTION_BYTES", "")
    try:
        return int(value) if value else 95 * 2**20
    except ValueError:
        raise ValueError(f"COLONY_MAX_FUNCTION_BYTES must be a number of bytes, got {value!r}") from None


class FunctionExporter:
    def __init__(self):
        self._lock = threading.Lock()
        # Weak keys: an id() could be reused by a new function once the old one is collected.
        self._exported: "weakref.WeakKeyDictionary[object, bytes]" = weakref.WeakKeyDictionary()

    def export(self, fn) -> bytes:
        key = fn
        with self._lock:
            cached = self._exported.get(key)
        if cached is not None:
            return cached
        _pickle_by_value(fn)
        try:
            pickled = cloudpickle.dumps(fn, protocol=5)
        except Exception as e:
            raise TypeError(f"Could not serialize the remote function {fn.__qualname__}: {e}") from e
        limit = max_function_bytes()
        if len(pickled) > limit:
            raise ValueError(
                f"The remote {'class' if isinstance(fn, type) else 'function'} {fn.__qualname__} "
                f"is {len(pickled) / 2**20:.1f} MiB when pickled, over the "
                f"{limit / 2**20:.0f} MiB limit: it probably closes over a large object. Put the "
                f"object in the object store with colony.put() and pass the ref as an argument "
                f"(limit: COLONY_MAX_FUNCTION_BYTES).")
        digest = hashlib.sha1(pickled).hexdigest()[:32].encode()
        # Content-addressed, so any job (a get_actor caller, say) can load it by hash.
        _core.kv_put(KV_NAMESPACE, digest, pickled, False)
        with self._lock:
            self._exported[key] = digest
        return digest


class FunctionLoader:
    def __init__(self):
        self._cache: dict[bytes, object] = {}

    def load(self, module: str, qualname: str, function_hash: bytes):
        if not function_hash:
            return load_by_name(module, qualname)
        fn = self._cache.get(function_hash)
        if fn is None:
            pickled = _core.kv_get(KV_NAMESPACE, function_hash)
            if pickled is None:
                raise ValueError(f"unknown function {module}.{qualname}: it was never exported "
                                 f"to this cluster")
            fn = cloudpickle.loads(pickled)
            self._cache[function_hash] = fn
        return fn


def load_by_name(module: str, qualname: str):
    """A function or class named by another language: imported from the job's code search
    path (on sys.path), looked up by its dotted qualified name."""
    import importlib
    try:
        obj = importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - import errors come in many types
        raise ValueError(f"cannot import Python module {module!r}: {type(e).__name__}: {e}") from None
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"Python module {module!r} has no function or class {qualname!r}")
        obj = getattr(obj, part)
    return obj
