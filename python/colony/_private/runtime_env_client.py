"""The submitting side of runtime envs (docs/runtime_env.md): a driver or worker turns a
task's or actor's `runtime_env` option into what its TaskSpec carries.

Local folders and files are packed and uploaded to the GCS KV (namespace `packages`) once
per content; the env is merged over the submitter's own (the job's env in a driver, the
worker's env in a worker, so nested tasks inherit it, as in Ray); its canonical JSON and
hash go in the TaskSpec, and raylets pool workers by that hash.
"""

from __future__ import annotations

import json
import os
import threading

from colony._private import runtime_env

# The env this process's tasks inherit: a driver's job env (set by colony.init), or the
# env this worker was started in (the raylet sets COLONY_RUNTIME_ENV_JSON).
_lock = threading.Lock()
_job_env: dict = {}
# (GCS address, local env JSON) -> uploaded env: a folder is packed once per process.
_uploaded: dict = {}


def _kv():
    from colony import _core
    return _core


def set_job_env(env: dict) -> None:
    global _job_env
    with _lock:
        _job_env = dict(env or {})


def job_env() -> dict:
    """The env tasks submitted here inherit (already uploaded)."""
    with _lock:
        if _job_env:
            return dict(_job_env)
    text = os.environ.get("COLONY_RUNTIME_ENV_JSON")
    return json.loads(text) if text else {}


def upload(env: dict, gcs_address: str = "") -> dict:
    """`env` (validated, with local paths) with its folders and files uploaded."""
    if not env:
        return {}
    key = (gcs_address, json.dumps(env, sort_keys=True))
    with _lock:
        done = _uploaded.get(key)
    if done is not None:
        return dict(done)
    core = _kv()

    def exists(digest: str) -> bool:
        return digest.encode() in core.kv_keys(runtime_env.PACKAGES_KV, digest.encode())

    def put(digest: str, data: bytes) -> None:
        core.kv_put(runtime_env.PACKAGES_KV, digest.encode(), data, False)

    out = runtime_env.upload_local_paths(env, exists, put)
    with _lock:
        _uploaded[key] = out
    return dict(out)


def for_submission(option, gcs_address: str = "") -> tuple | None:
    """What a task or actor with runtime_env option `option` (None: not given) carries:
    (canonical JSON, hash), or None when it runs in no env at all."""
    own = upload(option, gcs_address) if option else {}
    return runtime_env.canonical(runtime_env.merge(job_env(), own))


def forget_uploads() -> None:
    """A new cluster has none of the packages uploaded so far."""
    with _lock:
        _uploaded.clear()
