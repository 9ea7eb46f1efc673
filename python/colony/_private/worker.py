"""The process-wide state behind the public API: init/shutdown, get/put/wait."""

from __future__ import annotations

import atexit
import dataclasses
import json
import numbers
import os
import secrets
import signal
import sys
import threading

from colony import _core
from colony import exceptions
from colony._private import log_printer
from colony._private import metrics_reporter
from colony._private import node as node_mod
from colony._private import runtime_env as runtime_env_mod
from colony._private import runtime_env_client
from colony._private import tls
from colony._private import serialization
from colony._private.function_manager import FunctionExporter
from colony._private.generators import ObjectRefGenerator
from colony.job_config import JobConfig

ObjectRef = _core.ObjectRef


class _State:
    def __init__(self):
        self.lock = threading.RLock()
        self.node: node_mod.NodeProcesses | None = None
        self.exporter = FunctionExporter()
        self.mode = None  # "driver" | "worker"
        self.gcs_address = ""
        self.token = ""


state = _State()


def is_initialized() -> bool:
    return _core.is_initialized()


def _check_resource_args(num_cpus, num_gpus, resources, object_store_memory):
    for name, value in (("num_cpus", num_cpus), ("num_gpus", num_gpus),
                        ("object_store_memory", object_store_memory)):
        if value is not None and (not isinstance(value, numbers.Number) or isinstance(value, bool)
                                  or value < 0):
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if resources is not None:
        if not isinstance(resources, dict):
            raise TypeError(f"resources must be a dict of name to quantity, got {type(resources).__name__}")
        for k, v in resources.items():
            if k in ("CPU", "GPU"):
                raise ValueError(f"use num_cpus/num_gpus instead of resources[{k!r}]")
            if not isinstance(k, str) or not isinstance(v, numbers.Number) or v < 0:
                raise ValueError(f"resources must map names to non-negative numbers, got {k!r}: {v!r}")


def init(address: str | None = None, *, num_cpus=None, num_gpus=None, resources=None,
         object_store_memory=None, namespace: str | None = None, job_config: JobConfig | None = None,
         ignore_reinit_error: bool = False, labels: dict | None = None, _node_ip: str = "127.0.0.1",
         _token: str | None = None, _health_check_timeout_ms: int | None = None,
         _system_config: dict | None = None, _raylet_address: str | None = None,
         log_to_driver: bool = True) -> dict:
    with state.lock:
        if is_initialized():
            if ignore_reinit_error:
                return _context_info()
            raise RuntimeError("colony.init() was already called; call colony.shutdown() first "
                               "or pass ignore_reinit_error=True")
        _check_resource_args(num_cpus, num_gpus, resources, object_store_memory)
        if job_config is not None and not isinstance(job_config, JobConfig):
            raise TypeError(f"job_config must be a colony.JobConfig, got {type(job_config).__name__}")
        if namespace is not None and not isinstance(namespace, str):
            raise TypeError("namespace must be a string")
        job_config = job_config or JobConfig()
        job_config = _with_submitted_working_dir(job_config)
        job_config = _with_submitted_virtual_cluster(job_config)
        worker_env = _system_config_env(_system_config)
        if address is None:
            address = os.environ.get("COLONY_ADDRESS") or None
        if address is None:
            gcs_address, raylet_address, token = _start_local_cluster(
                num_cpus, num_gpus, resources, object_store_memory, labels, _node_ip, _token,
                _health_check_timeout_ms, worker_env)
        else:
            if any(v is not None for v in (num_cpus, num_gpus, resources, object_store_memory,
                                           _system_config)):
                raise ValueError("num_cpus, num_gpus, resources, object_store_memory and "
                                 "_system_config describe a "
                                 "new local cluster; they cannot be given when joining one at "
                                 f"address={address!r}")
            gcs_address, raylet_address, token = _resolve_address(address, _token)
            raylet_address = _raylet_address or raylet_address
        try:
            _core.set_inline_threshold(int(worker_env.get("COLONY_MAX_INLINE_OBJECT_BYTES",
                                                          _default_inline_threshold())))
            _core.init(True, gcs_address, raylet_address, _node_ip, token, namespace or "",
                       [os.path.abspath(p) for p in job_config.code_search_path],
                       java_actors_per_worker=job_config.java_actors_per_worker,
                       scheduling_spread_threshold=job_config.scheduling_spread_threshold,
                       virtual_cluster_id=job_config.virtual_cluster_id or "",
                       job_cluster_replica_sets=job_config.job_cluster_replica_sets)
        except Exception:
            _stop_local_cluster()
            raise
        state.mode = "driver"
        state.gcs_address = gcs_address
        state.token = token  # for tools reading node logs (log_reader)
        metrics_reporter.set_token(token)  # user metrics of a driver
        if log_to_driver:  # what this job's tasks and actors print, on this terminal
            log_printer.start(gcs_address, token, _core.context()["job_id"])
        _set_job_runtime_env(job_config, gcs_address)
        _end_submitted_driver_on_sigterm()
        _record_submitted_driver()
        state.exporter = FunctionExporter()  # a new cluster has none of our functions yet
        atexit.register(shutdown)
        return _context_info()


def _with_submitted_virtual_cluster(job_config: JobConfig) -> JobConfig:
    """A driver started by `colony job submit --virtual-cluster`: its job runs in that
    cluster (and holds a job cluster of it if the submission asked for one), unless its own
    JobConfig names a cluster."""
    vc = os.environ.get("COLONY_VIRTUAL_CLUSTER_ID")
    if not vc or job_config.virtual_cluster_id:
        return job_config
    replicas = os.environ.get("COLONY_JOB_CLUSTER_REPLICA_SETS")
    return dataclasses.replace(job_config, virtual_cluster_id=vc,
                               job_cluster_replica_sets=json.loads(replicas) if replicas else {})


def _set_job_runtime_env(job_config: JobConfig, gcs_address: str) -> None:
    """The env this driver's tasks and actors run in: its JobConfig's, else the one
    `colony job submit` gave the job (already uploaded, in COLONY_JOB_RUNTIME_ENV)."""
    import json
    env = job_config.runtime_env
    if env is None and os.environ.get("COLONY_JOB_RUNTIME_ENV"):
        env = runtime_env_mod.validate(json.loads(os.environ["COLONY_JOB_RUNTIME_ENV"]),
                                       working_dir_is_uri=True)
    runtime_env_client.forget_uploads()  # this cluster may have none of them
    runtime_env_client.set_job_env(runtime_env_client.upload(env or {}, gcs_address))


def _with_submitted_working_dir(job_config: JobConfig) -> JobConfig:
    """A driver started by `colony job submit` with a working_dir: its folder joins the
    job's code search path, so the job's workers can import its modules too."""
    folder = os.environ.get("COLONY_JOB_WORKING_DIR")
    if not folder or folder in job_config.code_search_path:
        return job_config
    return dataclasses.replace(job_config,
                               code_search_path=[*job_config.code_search_path, folder])


# GCS KV namespace: a submitted job's id -> the job id (hex) of the driver it ran.
SUBMITTED_DRIVERS_KV = "job_submission_drivers"


def _record_submitted_driver() -> None:
    """Tells the job API which GCS job a submitted driver is (`colony job status` shows it).
    The first colony.init() of the submitted process is its driver."""
    sid = os.environ.get("COLONY_JOB_SUBMISSION_ID")
    if sid:
        _core.kv_put(SUBMITTED_DRIVERS_KV, sid.encode(), _core.context()["job_id"].encode(),
                     False)


def _end_submitted_driver_on_sigterm() -> None:
    """`colony job stop` SIGTERMs a submitted driver: exiting through SystemExit runs
    colony.shutdown() (atexit), which ends the job's workers and actors at once. Only for
    submitted drivers, and only where the program has not set its own handler."""
    if (not os.environ.get("COLONY_JOB_SUBMISSION_ID")
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        return

    def _exit(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, _exit)


# _system_config keys -> the environment variable that carries each to every process.
_SYSTEM_CONFIG_ENV = {"max_inline_object_bytes": "COLONY_MAX_INLINE_OBJECT_BYTES"}


def _default_inline_threshold() -> int:
    return int(os.environ.get("COLONY_MAX_INLINE_OBJECT_BYTES", 100 * 1024))


def _system_config_env(config: dict | None) -> dict:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise TypeError(f"_system_config must be a dict, got {type(config).__name__}")
    env = {}
    for key, value in config.items():
        if key not in _SYSTEM_CONFIG_ENV:
            raise ValueError(f"unknown _system_config key {key!r}; known keys: "
                             f"{sorted(_SYSTEM_CONFIG_ENV)}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"_system_config[{key!r}] must be a non-negative int, got {value!r}")
        env[_SYSTEM_CONFIG_ENV[key]] = str(value)
    return env


def _start_local_cluster(num_cpus, num_gpus, resources, object_store_memory, labels, node_ip,
                         token, health_check_timeout_ms, worker_env):
    session_dir = node_mod.new_session_dir()
    node = node_mod.NodeProcesses(session_dir=session_dir, token=token or secrets.token_hex(16),
                                  node_ip=node_ip)
    state.node = node
    try:
        node.start_gcs(health_check_timeout_ms=health_check_timeout_ms)
        node.start_raylet(num_cpus=num_cpus, num_gpus=num_gpus, resources=resources,
                          object_store_memory=object_store_memory, labels=labels,
                          worker_env=worker_env)
    except Exception:
        _stop_local_cluster()
        raise
    return node.gcs_address, node.raylet_address, node.token


def _resolve_address(address: str, token: str | None):
    info = node_mod.read_cluster_file()
    if address == "auto":
        if info is None:
            raise ConnectionError("address='auto' found no running cluster; start one with "
                                  "'colony start --head'")
        address = info["gcs_address"]
    if not isinstance(address, str) or ":" not in address:
        raise ValueError(f"address must be 'HOST:PORT' or 'auto', got {address!r}")
    if token is None:
        token = os.environ.get("COLONY_CLUSTER_TOKEN")
    if token is None and info is not None and info.get("gcs_address") == address:
        token = info.get("token")
    tls.use_cluster_tls(address, info)  # a TLS cluster started here: its CA and certificate
    # A cluster started here: its supervisor knows this host's current raylet, while the GCS
    # may still list a crashed one as alive until its health check times out.
    raylet = ""
    if info is not None and info.get("gcs_address") == address:
        from colony._private import supervisor
        raylet = supervisor.current_raylet(info)
    # An empty raylet address lets the core worker find this host's raylet through the GCS.
    return address, raylet, token or ""


def _stop_local_cluster():
    if state.node is not None:
        state.node.stop()
        state.node = None


def shutdown() -> None:
    with state.lock:
        log_printer.stop()
        _core.shutdown()
        _stop_local_cluster()
        runtime_env_client.set_job_env({})
        state.mode = None


def _context_info() -> dict:
    ctx = _core.context()
    return {"gcs_address": state.gcs_address, "job_id": ctx["job_id"], "node_id": ctx["node_id"],
            "namespace": ctx["namespace"],
            "session_dir": state.node.session_dir if state.node else None}


# ---------------------------------------------------------------- objects

def put(value) -> ObjectRef:
    if isinstance(value, ObjectRef):
        raise TypeError("Calling colony.put() on an ObjectRef is not allowed: it is already a "
                        "reference to an object")
    metadata, data, refs = serialization.serialize(value, "the value passed to colony.put()")
    return put_serialized(metadata, data, refs)


def put_serialized(metadata: bytes, data, refs: list) -> ObjectRef:
    try:
        return _core.put(metadata, data, refs)
    except _core.CoreError as e:
        if e.code == _core.CoreError.OBJECT_STORE_FULL:
            raise exceptions.ObjectStoreFullError(str(e)) from None
        raise


def _timeout_ms(timeout) -> int:
    if timeout is None:
        return -1
    if not isinstance(timeout, numbers.Number) or isinstance(timeout, bool) or timeout < 0:
        raise ValueError(f"timeout must be None or a non-negative number of seconds, got {timeout!r}")
    return int(timeout * 1000)


def get(refs, *, timeout=None):
    single = isinstance(refs, ObjectRef)
    ref_list = [refs] if single else refs
    if not isinstance(ref_list, (list, tuple)) or not all(isinstance(r, ObjectRef) for r in ref_list):
        raise TypeError("colony.get() takes an ObjectRef or a list of ObjectRefs, got "
                        f"{type(refs).__name__}")
    values = _core.get(list(ref_list), _timeout_ms(timeout))
    if values is None:
        raise exceptions.GetTimeoutError(f"colony.get() timed out after {timeout}s")
    out = []
    for entry in values:
        if entry is None:  # the wait ended early: one of the others is an error
            index = next(i for i, e in enumerate(values)
                         if e is not None and serialization.is_error(e[0]))
            metadata, data = values[index]
            raise _with_origin(serialization.deserialize(metadata, data), ref_list[index])
        metadata, data = entry
        value = serialization.deserialize(metadata, data)
        if serialization.is_error(metadata):
            raise _with_origin(value, ref_list[len(out)])
        out.append(value)
    return out[0] if single else out


def _with_origin(error, ref):
    """Names the object an error came from, for its lazily fetched cause_chain."""
    if isinstance(error, exceptions.ColonyError):
        try:
            error.__dict__["_colony_object_id"] = ref.hex()
        except (AttributeError, TypeError):
            pass  # an exception type without a __dict__ gets no cause_chain
    return error


def wait(refs, *, num_returns: int = 1, timeout=None, fetch_local: bool = True):
    if isinstance(refs, ObjectRef) or not isinstance(refs, (list, tuple)):
        raise TypeError("colony.wait() takes a list of ObjectRefs, got " + type(refs).__name__)
    refs = list(refs)
    if not all(isinstance(r, ObjectRef) for r in refs):
        raise TypeError("colony.wait() takes a list of ObjectRefs; it holds something else")
    if len(set(refs)) != len(refs):
        raise ValueError("colony.wait() got the same ObjectRef twice")
    if not isinstance(num_returns, int) or num_returns < 0 or num_returns > len(refs):
        raise ValueError(f"num_returns must be between 0 and len(refs)={len(refs)}, got {num_returns!r}")
    if not isinstance(fetch_local, bool):
        raise TypeError(f"fetch_local must be a bool, got {type(fetch_local).__name__}")
    # fetch_local: a ref counts as ready once its value is readable on this node (large
    # values held on other nodes are copied here first).
    ready_flags = _core.wait(refs, num_returns, _timeout_ms(timeout), fetch_local)
    ready, not_ready = [], []
    for ref, is_ready in zip(refs, ready_flags):
        (ready if is_ready and len(ready) < num_returns else not_ready).append(ref)
    return ready, not_ready


def cancel(ref: ObjectRef, *, force: bool = False, recursive: bool = True) -> None:
    """Cancels the task or actor call that returns `ref`; get(ref) then raises
    TaskCancelledError. A task that runs is interrupted (force=True: its worker exits). An
    actor call is skipped if it has not started; a running one is cancelled only in an
    async actor (its coroutine), in other actors it runs on and returns its result.
    force=True is refused for actor calls (ValueError). recursive=True (the default) also
    cancels the tasks the cancelled one submitted and that are still pending."""
    if isinstance(ref, ObjectRefGenerator):  # stop the items, then cancel the task
        ref._stop()
        ref = ref.completed()
    if not isinstance(ref, ObjectRef):
        raise TypeError(f"colony.cancel() takes an ObjectRef, got {type(ref).__name__}")
    try:
        _core.cancel(ref, force, recursive)
    except _core.CoreError as e:  # the only refusal: force=True on an actor call
        raise ValueError(str(e)) from None


# ---------------------------------------------------------------- cluster

def nodes() -> list:
    return _core.nodes()


def _sum_resources(key: str) -> dict:
    total: dict = {}
    for n in _core.nodes():
        if n["Alive"]:
            for name, amount in n[key].items():
                total[name] = total.get(name, 0) + amount
    return total


def cluster_resources() -> dict:
    return _sum_resources("Resources")


def available_resources() -> dict:
    return _sum_resources("AvailableResources")


# Installs ObjectRef.future() and `await ref` (the module needs this one's get).
from colony._private import futures as _futures  # noqa: E402,F401


# The state API (colony.util.state) and errors' cause chains read the cluster through this
# module; those leaf modules may not import it, so it registers itself with them.
def _state_connection(address):
    if address is None and _core.is_initialized() and state.gcs_address:
        return state.gcs_address, state.token
    gcs_address, _raylet, token = _resolve_address(address or "auto", None)
    return gcs_address, token


def _cause_chain(object_id):
    try:
        _core.flush_task_events()  # this process's own records of the failure first
    except Exception:  # best effort: the records may be at the GCS already
        pass
    return _state_api.explain(object_id)


from colony._private import root_cause as _root_cause  # noqa: E402
from colony.util import state as _state_api  # noqa: E402

_state_api.set_backend(connection=_state_connection, explain_records=_root_cause.explain)
exceptions.set_cause_chain_source(_cause_chain)
