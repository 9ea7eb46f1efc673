#!/usr/bin/env python3
"""Colony's microbenchmark: the rows of Ray's `ray microbenchmark`, same names, same workloads.

Ray's script is ``ray/_private/ray_perf.py`` with the timer in
``ray/_private/ray_microbenchmark_helpers.py``; this file keeps its row names (so figures can be
put side by side with Ray's) and its way of timing (a warm-up, then rounds of whole calls that
each last at least a fixed time; the figure is ``multiplier * calls / seconds``; mean and
population standard deviation over the rounds).

Run (from a source tree; the installed package needs no environment variables):

    COLONY_BIN_DIR=build/cw PYTHONPATH=python python3 bench/microbenchmark.py
    python3 bench/microbenchmark.py --rows 'tasks (sync|async)' --rounds 10
    python3 bench/microbenchmark.py --list

How it is built, for whoever adds rows:

* ``ROWS`` is the registry: row name -> ``Row``. A row's ``setup(mod, ctx)`` gets the engine's
  module (``colony`` today; ``ray`` has the same ``init/remote/get/put/wait`` names, so the same
  row can run under Ray from a separate venv later) and a ``Context``; it returns a ``Workload``:
  the function to call repeatedly, the multiplier (operations per call) and an optional
  teardown. Add a row with the ``@row(...)`` decorator; keep Ray's name and workload.
* ``RAY_ROWS`` lists every row of Ray's script, in Ray's order; rows not yet written here show as
  "not implemented" in ``--list``.
* Rows that need a cluster started differently (e.g. Ray starts the placement-group row with
  ``resources={"custom": 100}``) give ``init_kwargs``; consecutive rows with the same kwargs
  share one cluster.
* Everything specific to one engine (how a second driver joins the cluster, which processes to
  name for profiling) lives in an ``Engine`` subclass; only ``ColonyEngine`` exists now.
"""

from __future__ import annotations

import argparse
import datetime
import faulthandler
import gc
import importlib
import json
import math
import multiprocessing
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
DEFAULT_OUTPUT = os.path.join(BENCH_DIR, "results", "latest.json")
SCHEMA_VERSION = 1


# --------------------------------------------------------------------------- workloads' functions
# Plain functions, made remote per engine by Context.remote(); defined at module level so that
# child drivers (multiprocessing, spawn) find them too.

def small_value():
    return b"ok"


def actor_classes(mod):
    """Ray's ``Actor``, ``AsyncActor`` and ``Client`` classes (ray_perf.py), made remote with
    ``mod``. Defined in a function so that the methods that call back into the engine
    (``Client``) find it as a closure variable: cloudpickle sends the classes by value and the
    module by name, so the same classes work under any engine."""

    def small_value_task():
        return b"ok"

    small_value_remote = mod.remote(small_value_task)

    class Actor:
        def small_value(self):
            return b"ok"

        def small_value_arg(self, x):
            return b"ok"

        def small_value_batch(self, n):
            # Ray's "multi client tasks async": the actor is a client submitting tasks.
            mod.get([small_value_remote.remote() for _ in range(n)])

    class AsyncActor:
        async def small_value(self):
            return b"ok"

        async def small_value_with_arg(self, x):
            return b"ok"

    class Client:
        def __init__(self, servers):
            if not isinstance(servers, list):
                servers = [servers]
            self.servers = servers

        def small_value_batch(self, n):
            results = []
            for s in self.servers:
                results.extend([s.small_value.remote() for _ in range(n)])
            mod.get(results)

        def small_value_batch_arg(self, n):
            x = mod.put(0)
            results = []
            for s in self.servers:
                results.extend([s.small_value_arg.remote(x) for _ in range(n)])
            mod.get(results)

    # As in Ray: Actor and Client hold no CPU; AsyncActor takes the engine's actor default.
    return {"Actor": mod.remote(num_cpus=0)(Actor), "AsyncActor": mod.remote(AsyncActor),
            "Client": mod.remote(num_cpus=0)(Client)}


# --------------------------------------------------------------------------- registry

@dataclass
class Workload:
    """What a row's setup returns: ``fn`` is called repeatedly and timed."""
    fn: Callable[[], Any]
    multiplier: float = 1
    teardown: Callable[[], None] | None = None
    # Called after each timed round; returns extra per-round figures to keep in the JSON.
    round_extra: Callable[[], dict] | None = None
    params: dict = field(default_factory=dict)


@dataclass
class Row:
    name: str
    setup: Callable[[Any, "Context"], Workload]
    group: str
    init_kwargs: dict = field(default_factory=dict)
    doc: str = ""


ROWS: dict[str, Row] = {}

# Every row of Ray's ray_perf.py, in its order (the "client: ..." rows of Ray Client and the two
# object out-of-scope callback rows, which use Ray-internal APIs, are left out).
RAY_ROWS = [
    "single client get calls (Plasma Store)",
    "single client put calls (Plasma Store)",
    "multi client put calls (Plasma Store)",
    "single client put gigabytes",
    "single client tasks and get batch",
    "multi client put gigabytes",
    "single client get object containing 10k refs",
    "single client wait 1k refs",
    "single client tasks sync",
    "single client tasks async",
    "multi client tasks async",
    "1:1 actor calls sync",
    "1:1 actor calls async",
    "1:1 actor calls concurrent",
    "1:n actor calls async",
    "n:n actor calls async",
    "n:n actor calls with arg async",
    "1:1 async-actor calls sync",
    "1:1 async-actor calls async",
    "1:1 async-actor calls with args async",
    "1:n async-actor calls async",
    "n:n async-actor calls async",
    "placement group create/removal",
]


def row(name: str, group: str, init_kwargs: dict | None = None):
    """Registers ``setup(mod, ctx) -> Workload`` as the row ``name`` (Ray's exact row name)."""
    def register(setup):
        if name in ROWS:
            raise ValueError(f"row {name!r} registered twice")
        ROWS[name] = Row(name, setup, group, dict(init_kwargs or {}),
                         (setup.__doc__ or "").strip())
        return setup
    return register


def ordered_rows() -> list[Row]:
    """Implemented rows in Ray's order; rows Ray does not have come last."""
    order = {n: i for i, n in enumerate(RAY_ROWS)}
    return sorted(ROWS.values(), key=lambda r: order.get(r.name, len(order)))


# --------------------------------------------------------------------------- engines

@dataclass
class Cluster:
    address: str                  # what a second driver passes to init(address=...)
    child_env: dict               # environment a second driver needs to join
    processes: dict               # name -> pid, printed for profiling
    session_dir: str | None = None


class Engine:
    """What differs between engines; the rows themselves only use the common API."""
    module_name = ""

    def start(self, mod, init_kwargs: dict) -> Cluster:
        raise NotImplementedError

    def stop(self, mod) -> None:
        mod.shutdown()

    def describe(self, mod) -> dict:
        return {"name": self.module_name, "version": getattr(mod, "__version__", None),
                "file": getattr(mod, "__file__", None)}


class ColonyEngine(Engine):
    module_name = "colony"

    def start(self, mod, init_kwargs: dict) -> Cluster:
        info = mod.init(**init_kwargs)
        node = mod._private.worker.state.node
        procs = {"driver": os.getpid()}
        if node is not None:
            for name, pid in zip(("gcs", "raylet"), node.pids()):
                procs[name] = pid
        env = {"COLONY_CLUSTER_TOKEN": node.token} if node is not None else {}
        return Cluster(address=info["gcs_address"], child_env=env, processes=procs,
                       session_dir=info.get("session_dir"))

    def describe(self, mod) -> dict:
        out = super().describe(mod)
        bin_dir = os.environ.get("COLONY_BIN_DIR")
        if not bin_dir:
            try:
                from colony._private.node import bin_dir as colony_bin_dir
                bin_dir = colony_bin_dir()
            except Exception:  # noqa: BLE001 - description only
                bin_dir = None
        out["bin_dir"] = bin_dir
        out["compile_flags"] = _compile_flags(bin_dir)
        return out


class RayEngine(Engine):
    """Ray from PyPI, run by --compare-ray in its own virtual environment."""
    module_name = "ray"
    # Colony's own settings: Ray already keeps every put in its shared-memory store, which is
    # what the "(Plasma Store)" rows ask for.
    _COLONY_ONLY = ("_system_config",)

    def start(self, mod, init_kwargs: dict) -> Cluster:
        kwargs = {k: v for k, v in init_kwargs.items() if k not in self._COLONY_ONLY}
        # "local": always a new cluster. Without it ray.init() looks for a running one by
        # scanning every process's command line for --gcs-address=..., and fails on
        # Colony's daemons (which take "--gcs-address HOST:PORT").
        context = mod.init(address="local", include_dashboard=False, **kwargs)
        address = context.address_info["gcs_address"]
        node = mod._private.worker._global_node
        procs = {"driver": os.getpid()}
        for name, infos in getattr(node, "all_processes", {}).items():
            if infos and name in ("raylet", "gcs_server"):
                procs[name] = infos[0].process.pid
        return Cluster(address=address, child_env={}, processes=procs,
                       session_dir=context.address_info.get("session_dir"))


ENGINES = {"colony": ColonyEngine, "ray": RayEngine}


def _compile_flags(bin_dir: str | None) -> str | None:
    """The C++ flags of a CMake/Ninja build folder, when the binaries come from one."""
    if not bin_dir:
        return None
    ninja = os.path.join(bin_dir, "build.ninja")
    try:
        with open(ninja, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("FLAGS = "):
                    return line[len("FLAGS = "):]
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------- context

class Context:
    """Shared by the rows of one run: the cluster, the settings, remote functions per engine."""

    def __init__(self, mod, engine: Engine, cluster: Cluster, args):
        self.mod = mod
        self.engine = engine
        self.cluster = cluster
        self.args = args
        self._remote_cache: dict = {}

    def remote(self, fn, **options):
        key = (fn, tuple(sorted(options.items())))
        if key not in self._remote_cache:
            self._remote_cache[key] = (self.mod.remote(**options)(fn) if options
                                       else self.mod.remote(fn))
        return self._remote_cache[key]

    def actor_class(self, name: str):
        """Ray's ``Actor``, ``AsyncActor`` or ``Client``, made remote once per run."""
        if "actor_classes" not in self._remote_cache:
            self._remote_cache["actor_classes"] = actor_classes(self.mod)
        return self._remote_cache["actor_classes"][name]

    def get(self, refs, what: str):
        """``mod.get(refs)`` with the --call-timeout: a call that never returns fails the row
        (which then continues on a fresh cluster) instead of hanging the run. On a timeout,
        says how many of the refs were ready."""
        try:
            return self.mod.get(refs, timeout=self.args.call_timeout)
        except TimeoutError:  # colony's and Ray's GetTimeoutError are TimeoutErrors
            ref_list = refs if isinstance(refs, list) else [refs]
            ready, _ = self.mod.wait(ref_list, num_returns=len(ref_list), timeout=0)
            raise TimeoutError(f"{what}: only {len(ready)} of {len(ref_list)} result(s) were "
                               f"ready after {self.args.call_timeout:g}s (--call-timeout)"
                               ) from None

    def num_actors(self) -> int:
        """n of Ray's 1:n and n:n rows: ``multiprocessing.cpu_count() // 2`` (at least 1)."""
        if self.args.actors is not None:
            return self.args.actors
        return max(1, multiprocessing.cpu_count() // 2)


# --------------------------------------------------------------------------- object rows

# Ray's "(Plasma Store)" rows measure values kept in shared memory; Colony keeps values under
# 100 KiB in the owner's memory store by default, so these rows run on a cluster whose inline
# threshold is 0 (every value in shared memory, as the row names say). The rows without the
# suffix measure Colony's default path for the same workload.
_PLASMA_ONLY = {"_system_config": {"max_inline_object_bytes": 0}}


def object_functions(mod):
    """Ray's helpers that call the engine from inside a task, bound to ``mod`` by closure (see
    actor_classes for why)."""

    def do_put_small():
        for _ in range(100):
            mod.put(0)

    def do_put():
        import numpy as np
        for _ in range(10):
            mod.put(np.zeros(10 * 1024 * 1024, dtype=np.int64))

    def create_object_containing_ref():
        return [mod.put(1) for _ in range(10000)]

    return {"do_put_small": mod.remote(do_put_small), "do_put": mod.remote(do_put),
            "create_object_containing_ref": mod.remote(create_object_containing_ref)}


def _object_function(ctx: "Context", name: str):
    if "object_functions" not in ctx._remote_cache:
        ctx._remote_cache["object_functions"] = object_functions(ctx.mod)
    return ctx._remote_cache["object_functions"][name]


def _get_small(mod, ctx: "Context") -> Workload:
    value = mod.put(0)
    return Workload(lambda: mod.get(value))


def _put_small(mod, ctx: "Context") -> Workload:
    return Workload(lambda: mod.put(0))


def _put_multi_small(mod, ctx: "Context") -> Workload:
    do_put_small = _object_function(ctx, "do_put_small")

    def fn():
        ctx.get([do_put_small.remote() for _ in range(10)], "multi client put calls")

    return Workload(fn, multiplier=1000)


row("single client get calls (Plasma Store)", "objects", _PLASMA_ONLY)(_get_small)
row("single client put calls (Plasma Store)", "objects", _PLASMA_ONLY)(_put_small)
row("multi client put calls (Plasma Store)", "objects", _PLASMA_ONLY)(_put_multi_small)
row("single client get calls", "objects")(_get_small)
row("single client put calls", "objects")(_put_small)
row("multi client put calls", "objects")(_put_multi_small)


@row("single client put gigabytes", group="objects")
def put_gigabytes(mod, ctx: Context) -> Workload:
    """put() of an 800 MB numpy array (np.zeros of 100M int64); GB per second."""
    import numpy as np
    arr = np.zeros(100 * 1024 * 1024, dtype=np.int64)
    return Workload(lambda: mod.put(arr), multiplier=8 * 0.1)


@row("multi client put gigabytes", group="objects")
def multi_put_gigabytes(mod, ctx: Context) -> Workload:
    """10 tasks, each putting ten 80 MB arrays; GB per second over all of them."""
    do_put = _object_function(ctx, "do_put")

    def fn():
        ctx.get([do_put.remote() for _ in range(10)], "multi client put gigabytes")

    return Workload(fn, multiplier=10 * 8 * 0.1)


@row("single client get object containing 10k refs", group="objects")
def get_containing_refs(mod, ctx: Context) -> Workload:
    """get() of a task's return value that holds 10k refs to objects the task put."""
    create = _object_function(ctx, "create_object_containing_ref")
    obj_containing_ref = create.remote()
    ctx.get(obj_containing_ref, "create the object")
    return Workload(lambda: mod.get(obj_containing_ref))


@row("single client wait 1k refs", group="objects")
def wait_1k_refs(mod, ctx: Context) -> Workload:
    """Submit 1000 no-op tasks, then wait() for them one by one; rounds per second."""
    sv = ctx.remote(small_value)

    def fn():
        not_ready = [sv.remote() for _ in range(1000)]
        for _ in range(1000):
            _ready, not_ready = mod.wait(not_ready)

    return Workload(fn)


# --------------------------------------------------------------------------- task rows

@row("single client tasks and get batch", group="tasks")
def tasks_and_get_batch(mod, ctx: Context) -> Workload:
    """Submit 1000 no-op tasks, then one get() of the list. As in Ray the multiplier is 1: the
    figure is BATCHES of 1000 per second (multiply by 1000 for tasks/s)."""
    sv = ctx.remote(small_value)

    def fn():
        submitted = [sv.remote() for _ in range(1000)]
        mod.get(submitted)
        return 0

    return Workload(fn, multiplier=1, params={"batch": 1000})


@row("single client tasks sync", group="tasks")
def tasks_sync(mod, ctx: Context) -> Workload:
    """One no-op task submitted, then waited for with get(); round trips per second."""
    sv = ctx.remote(small_value)

    def fn():
        mod.get(sv.remote())

    return Workload(fn, multiplier=1)


@row("single client tasks async", group="tasks")
def tasks_async(mod, ctx: Context) -> Workload:
    """1000 no-op tasks submitted back to back, then get() of all; tasks per second."""
    sv = ctx.remote(small_value)

    def fn():
        mod.get([sv.remote() for _ in range(1000)])

    return Workload(fn, multiplier=1000, params={"batch": 1000})


def _client_driver_main(module_name: str, address: str, env: dict, conn) -> None:
    """A second driver process: joins the cluster, then runs batches on command.

    Each batch submits ``n`` no-op tasks and gets them all."""
    try:
        os.environ.update(env)
        mod = importlib.import_module(module_name)
        t0 = time.perf_counter()
        mod.init(address=address)

        # Defined here so it travels by value: in a spawned process this file's functions
        # belong to "__mp_main__", which the engine's workers cannot import.
        def small_value_here():
            return b"ok"

        sv = mod.remote(small_value_here)
        mod.get(sv.remote())
        mod.get([sv.remote() for _ in range(200)])  # let this job's workers start
        conn.send(("ready", os.getpid(), time.perf_counter() - t0))
    except BaseException:  # noqa: BLE001 - reported to the parent
        conn.send(("error", traceback.format_exc()))
        return
    try:
        while True:
            msg = conn.recv()
            if msg[0] == "stop":
                break
            n = msg[1]
            start = time.perf_counter()
            mod.get([sv.remote() for _ in range(n)])
            conn.send(("done", time.perf_counter() - start))
    except EOFError:
        pass
    except BaseException:  # noqa: BLE001 - reported to the parent
        try:
            conn.send(("error", traceback.format_exc()))
        except OSError:
            pass
    finally:
        try:
            mod.shutdown()
        except Exception:  # noqa: BLE001
            pass


def _recv(conn, proc, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while not conn.poll(0.5):
        if not proc.is_alive():
            raise RuntimeError(f"{what}: client driver pid {proc.pid} exited with code "
                               f"{proc.exitcode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: client driver pid {proc.pid} did not answer in "
                               f"{timeout:.0f}s")
    msg = conn.recv()
    if msg[0] == "error":
        raise RuntimeError(f"{what}: client driver pid {proc.pid} failed:\n{msg[1]}")
    return msg


@row("multi client tasks async", group="tasks")
def multi_client_tasks_async(mod, ctx: Context) -> Workload:
    """As Ray: m=4 ``Actor``s (num_cpus=0) each run ``small_value_batch(n)`` (submit n no-op
    tasks, get them all), all at once; tasks per second over all of them."""
    m, n = ctx.args.clients, ctx.args.client_batch
    started = _Started(mod)
    actors = [started.add(ctx.actor_class("Actor").remote()) for _ in range(m)]
    ctx.get([a.small_value_batch.remote(1) for a in actors], f"start of {m} client actors")

    def fn():
        ctx.get([a.small_value_batch.remote(n) for a in actors], "client actor batches")

    return Workload(fn, multiplier=n * m, teardown=started.teardown,
                    params={"clients": m, "tasks_per_client_per_call": n,
                            "client_kind": "actors (as Ray)",
                            "ray_reference": {"clients": 4, "tasks_per_client_per_call": 10000,
                                              "client_kind": "actors"}})


@row("multi driver tasks async", group="tasks")
def multi_driver_tasks_async(mod, ctx: Context) -> Workload:
    """Not a Ray row: m client drivers (separate processes joined to the same cluster, each its
    own job with its own workers) each submit n no-op tasks and get them all, at the same time;
    tasks per second over all clients (the JSON also keeps the sum of each client's own
    rate)."""
    m, n = ctx.args.clients, ctx.args.client_batch
    spawn = multiprocessing.get_context("spawn")
    clients = []

    def teardown():
        for conn, proc in clients:
            try:
                conn.send(("stop",))
            except OSError:
                pass
        for conn, proc in clients:
            proc.join(15)
            if proc.is_alive():
                print(f"  client driver pid {proc.pid} did not stop; terminating it",
                      file=sys.stderr)
                proc.terminate()
                proc.join(5)
            conn.close()

    startup = []
    try:
        for _ in range(m):
            parent_conn, child_conn = spawn.Pipe()
            proc = spawn.Process(target=_client_driver_main, daemon=True,
                                 args=(mod.__name__, ctx.cluster.address,
                                       ctx.cluster.child_env, child_conn))
            proc.start()
            child_conn.close()
            clients.append((parent_conn, proc))
        for conn, proc in clients:
            startup.append(_recv(conn, proc, "client driver start", 120)[2])
    except BaseException:
        teardown()
        raise

    per_call: list[list[float]] = []  # each call: every client's own tasks/s

    def fn():
        for conn, _ in clients:
            conn.send(("batch", n))
        per_call.append([n / _recv(conn, proc, "client batch", ctx.args.row_timeout)[1]
                         for conn, proc in clients])

    def round_extra():
        # Sum of each client's own rate (equals the row's figure only if all clients take
        # equally long), and the slowest/fastest client, which show how fairly they are served.
        out = {"sum_of_client_rates": statistics.fmean(sum(c) for c in per_call),
               "slowest_client_rate": statistics.fmean(min(c) for c in per_call),
               "fastest_client_rate": statistics.fmean(max(c) for c in per_call)
               } if per_call else {}
        per_call.clear()
        return out

    return Workload(fn, multiplier=n * m, teardown=teardown, round_extra=round_extra,
                    params={"clients": m, "tasks_per_client_per_call": n,
                            "client_kind": "driver processes (multiprocessing spawn)",
                            "client_start_seconds": [round(s, 3) for s in startup]})


# --------------------------------------------------------------------------- actor rows
# Ray's rows from "1:1 actor calls sync" to "n:n async-actor calls async", with Ray's classes
# (actor_classes above), calls and multipliers. What differs: every actor is created and
# answers one call in the row's setup (so no timed call waits for a worker to start), the
# driver's get() has a timeout (--call-timeout), the actors are killed in the teardown, and the
# batch Ray sets to 5000 is --actor-batch.

class _Started:
    """Actors a row started; the teardown kills them, clients before their servers."""

    def __init__(self, mod):
        self.mod = mod
        self.handles: list = []

    def add(self, handle):
        self.handles.append(handle)
        return handle

    def teardown(self):
        for h in reversed(self.handles):
            try:
                self.mod.kill(h)
            except Exception:  # noqa: BLE001 - a failed kill must not hide the row's figures
                traceback.print_exc()
        self.handles.clear()


def _servers(ctx: Context, started: _Started, cls_name: str, k: int, **options) -> list:
    cls = ctx.actor_class(cls_name)
    if options:
        cls = cls.options(**options)
    servers = [started.add(cls.remote()) for _ in range(k)]
    ctx.get([s.small_value.remote() for s in servers], f"start of {k} {cls_name}(s)")
    return servers


def _one_to_one_sync(mod, ctx: Context, cls_name: str) -> Workload:
    started = _Started(mod)
    a = _servers(ctx, started, cls_name, 1)[0]

    def fn():
        ctx.get(a.small_value.remote(), "actor call")

    return Workload(fn, multiplier=1, teardown=started.teardown)


def _one_to_one_async(mod, ctx: Context, cls_name: str, method: str = "small_value",
                      with_arg: bool = False, **options) -> Workload:
    started = _Started(mod)
    a = _servers(ctx, started, cls_name, 1, **options)[0]
    m = getattr(a, method)

    if with_arg:
        def fn():
            ctx.get([m.remote(i) for i in range(1000)], "batch of 1000 actor calls")
    else:
        def fn():
            ctx.get([m.remote() for _ in range(1000)], "batch of 1000 actor calls")

    return Workload(fn, multiplier=1000, teardown=started.teardown,
                    params={"batch": 1000, **options})


def _one_to_n(mod, ctx: Context, cls_name: str) -> Workload:
    """A Client actor calls each of k servers n times, then gets all (Ray's 1:n rows)."""
    n, k = ctx.args.actor_batch, ctx.num_actors()
    started = _Started(mod)
    servers = _servers(ctx, started, cls_name, k)
    client = started.add(ctx.actor_class("Client").remote(servers))
    ctx.get(client.small_value_batch.remote(1), "client start")

    def fn():
        ctx.get(client.small_value_batch.remote(n), "client batch")

    return Workload(fn, multiplier=n * k, teardown=started.teardown,
                    params={"servers": k, "calls_per_server_per_call": n, "clients": 1,
                            "client_kind": "actor",
                            "ray_reference": {"servers": "cpu_count // 2",
                                              "calls_per_server_per_call": 5000}})


def _n_to_n_tasks(mod, ctx: Context, cls_name: str) -> Workload:
    """m=4 tasks each make n calls spread over k servers, then get them (Ray's n:n rows, whose
    callers are tasks, not Client actors)."""
    n, m, k = ctx.args.actor_batch, 4, ctx.num_actors()
    started = _Started(mod)
    servers = _servers(ctx, started, cls_name, k)

    def work(actors):
        mod.get([actors[i % k].small_value.remote() for i in range(n)])

    work_remote = mod.remote(work)
    ctx.get([work_remote.remote(servers) for _ in range(m)], "first work tasks")

    def fn():
        ctx.get([work_remote.remote(servers) for _ in range(m)], "work tasks")

    return Workload(fn, multiplier=m * n, teardown=started.teardown,
                    params={"servers": k, "caller_tasks": m, "calls_per_task_per_call": n,
                            "ray_reference": {"servers": "cpu_count // 2", "caller_tasks": 4,
                                              "calls_per_task_per_call": 5000}})


@row("1:1 actor calls sync", group="actors")
def actor_calls_sync(mod, ctx: Context) -> Workload:
    """One call of a no-op actor method, then get(); round trips per second."""
    return _one_to_one_sync(mod, ctx, "Actor")


@row("1:1 actor calls async", group="actors")
def actor_calls_async(mod, ctx: Context) -> Workload:
    """1000 calls to one actor back to back, then get() of all; calls per second."""
    return _one_to_one_async(mod, ctx, "Actor")


@row("1:1 actor calls concurrent", group="actors")
def actor_calls_concurrent(mod, ctx: Context) -> Workload:
    """As "1:1 actor calls async", to an actor with max_concurrency=16 (threaded)."""
    return _one_to_one_async(mod, ctx, "Actor", max_concurrency=16)


@row("1:n actor calls async", group="actors")
def actor_calls_one_to_n(mod, ctx: Context) -> Workload:
    """A Client actor makes n calls to each of k actors and gets them all; calls per second."""
    return _one_to_n(mod, ctx, "Actor")


@row("n:n actor calls async", group="actors")
def actor_calls_n_to_n(mod, ctx: Context) -> Workload:
    """4 tasks each make n calls spread over k actors and get them; calls per second."""
    return _n_to_n_tasks(mod, ctx, "Actor")


@row("n:n actor calls with arg async", group="actors")
def actor_calls_n_to_n_arg(mod, ctx: Context) -> Workload:
    """k Client actors, one per server actor, each put() a 0 and pass its ref as the argument
    of 1000 calls to its server, then get them; calls per second over all clients."""
    n, k = 1000, ctx.num_actors()
    started = _Started(mod)
    servers = _servers(ctx, started, "Actor", k)
    clients = [started.add(ctx.actor_class("Client").remote(s)) for s in servers]
    ctx.get([c.small_value_batch_arg.remote(1) for c in clients], "client start")

    def fn():
        ctx.get([c.small_value_batch_arg.remote(n) for c in clients], "client batches")

    return Workload(fn, multiplier=n * k, teardown=started.teardown,
                    params={"servers": k, "clients": k, "client_kind": "actor",
                            "calls_per_client_per_call": n,
                            "ray_reference": {"servers": "cpu_count // 2",
                                              "calls_per_client_per_call": 1000}})


@row("1:1 async-actor calls sync", group="async actors")
def async_actor_calls_sync(mod, ctx: Context) -> Workload:
    """One call of a no-op ``async def`` method, then get(); round trips per second."""
    return _one_to_one_sync(mod, ctx, "AsyncActor")


@row("1:1 async-actor calls async", group="async actors")
def async_actor_calls_async(mod, ctx: Context) -> Workload:
    """1000 calls to one async actor back to back, then get() of all; calls per second."""
    return _one_to_one_async(mod, ctx, "AsyncActor")


@row("1:1 async-actor calls with args async", group="async actors")
def async_actor_calls_with_args(mod, ctx: Context) -> Workload:
    """As "1:1 async-actor calls async", each call passing its index (a small int)."""
    return _one_to_one_async(mod, ctx, "AsyncActor", method="small_value_with_arg",
                             with_arg=True)


@row("1:n async-actor calls async", group="async actors")
def async_actor_calls_one_to_n(mod, ctx: Context) -> Workload:
    """A Client actor makes n calls to each of k async actors and gets them all."""
    return _one_to_n(mod, ctx, "AsyncActor")


@row("n:n async-actor calls async", group="async actors")
def async_actor_calls_n_to_n(mod, ctx: Context) -> Workload:
    """4 tasks each make n calls spread over k async actors and get them."""
    return _n_to_n_tasks(mod, ctx, "AsyncActor")


# --------------------------------------------------------------------------- placement groups

# Ray's row: a cluster started with resources={"custom": 100}; each call creates 100 groups of
# one {"custom": 0.001} bundle, waits for each, then removes them all (removal inside the call
# so that groups do not pile up across rounds).
PG_NUM_GROUPS = 100
PG_NUM_BUNDLES = 1


def _placement_group_api(mod):
    """(placement_group, remove_placement_group) of the engine: both live in `<mod>.util`."""
    util = importlib.import_module(mod.__name__ + ".util")
    return util.placement_group, util.remove_placement_group


@row("placement group create/removal", group="placement groups",
     init_kwargs={"resources": {"custom": 100}})
def placement_group_create_removal(mod, ctx: Context) -> Workload:
    """Creates 100 one-bundle placement groups, waits for each, then removes them."""
    create, remove = _placement_group_api(mod)

    def fn():
        pgs = [create(bundles=[{"custom": 0.001} for _ in range(PG_NUM_BUNDLES)])
               for _ in range(PG_NUM_GROUPS)]
        for pg in pgs:
            if not pg.wait(timeout_seconds=30):
                raise TimeoutError("a placement group was not created within 30 s")
        for pg in pgs:
            remove(pg)

    return Workload(fn, multiplier=PG_NUM_GROUPS,
                    params={"groups": PG_NUM_GROUPS, "bundles": PG_NUM_BUNDLES})


# --------------------------------------------------------------------------- timing

def cluster_warmup(mod, ctx: Context, seconds: float) -> dict:
    """Runs batches of 100 no-op tasks on a fresh cluster for ``seconds`` so that the first row
    does not pay for starting worker processes; keeps the first task's latency and the rate of
    each second, which show how long a cold cluster takes to reach speed."""
    sv = ctx.remote(small_value)
    t0 = time.perf_counter()
    mod.get(sv.remote())
    first = time.perf_counter() - t0
    per_second, window_start, window_tasks = [], time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        mod.get([sv.remote() for _ in range(100)])
        window_tasks += 100
        now = time.perf_counter()
        if now - window_start >= 1.0:
            per_second.append(round(window_tasks / (now - window_start), 1))
            window_start, window_tasks = now, 0
    return {"first_task_seconds": round(first, 4), "seconds": round(time.perf_counter() - t0, 3),
            "tasks_per_second_by_second": per_second}


def timeit(fn, multiplier: float, rounds: int, duration: float, warmup: float,
           round_extra=None) -> dict:
    """Ray's timeit: warm up for ``warmup`` s, then ``rounds`` rounds of >= ``duration`` s, calls
    made in steps of (warm-up calls // 10 + 1); each round's figure is multiplier*calls/s."""
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < warmup:
        fn()
        count += 1
    warmup_seconds = time.perf_counter() - start
    if round_extra:
        round_extra()  # drop what the warm-up left
    step = count // 10 + 1
    rates, seconds, calls, extras = [], [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < duration:
            for _ in range(step):
                fn()
            count += step
        elapsed = time.perf_counter() - start
        rates.append(multiplier * count / elapsed)
        seconds.append(elapsed)
        calls.append(count)
        if round_extra:
            extras.append(round_extra())
    out = {"mean": statistics.fmean(rates), "stddev": statistics.pstdev(rates),
           "rounds": [round(r, 3) for r in rates], "round_seconds": [round(s, 3) for s in seconds],
           "calls_per_round": calls, "step": step, "warmup_seconds": round(warmup_seconds, 3)}
    if extras:
        keys = sorted({k for e in extras for k in e})
        out["extra"] = {}
        for k in keys:
            vals = [e[k] for e in extras if e.get(k) is not None]
            out["extra"][k] = {"mean": statistics.fmean(vals) if vals else None,
                               "stddev": statistics.pstdev(vals) if vals else None,
                               "rounds": [round(v, 3) for v in vals]}
    return out


# --------------------------------------------------------------------------- run info

def _run(cmd: list, cwd: str | None = None) -> str | None:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def git_info() -> dict:
    commit = _run(["git", "rev-parse", "HEAD"], cwd=REPO_DIR)
    if commit is None:
        return {"commit": None}
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_DIR)
    return {"commit": commit, "dirty": bool(status),
            "describe": _run(["git", "log", "-1", "--format=%h %s"], cwd=REPO_DIR)}


def machine_info() -> dict:
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"hostname": socket.gethostname(), "nproc": usable, "cpu_count": os.cpu_count(),
            "cpu_model": model, "memory_bytes": mem, "platform": platform.platform(),
            "python": platform.python_version(), "python_executable": sys.executable}


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot(root_pid: int) -> dict | None:
    """CPU seconds used so far by the whole machine and by ``root_pid`` with all its
    descendants (the cluster, its workers and the client drivers). Linux only."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        machine = (sum(fields[:3]) + sum(fields[5:8])) / _CLK_TCK  # user nice system irq softirq steal
        parent, times = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            rest = stat[stat.rindex(")") + 2:].split()
            pid = int(entry)
            parent[pid] = int(rest[1])
            # utime + stime, plus cutime + cstime: children that exited and were reaped
            # (e.g. workers the raylet stopped) keep counting.
            times[pid] = sum(int(x) for x in rest[11:15]) / _CLK_TCK
        own = 0.0
        for pid, t in times.items():
            p, hops = pid, 0
            while p and p != root_pid and hops < 64:
                p, hops = parent.get(p, 0), hops + 1
            if p == root_pid:
                own += t
        return {"wall": time.monotonic(), "machine": machine, "own": own}
    except (OSError, ValueError, IndexError):
        return None


def cpu_use(before: dict | None, after: dict | None) -> dict | None:
    """Average CPUs busy between two snapshots: by the benchmark's processes and by the rest of
    the machine ('other', the noise indicator; close to 0 on a quiet machine)."""
    if not before or not after or after["wall"] <= before["wall"]:
        return None
    wall = after["wall"] - before["wall"]
    busy = (after["machine"] - before["machine"]) / wall
    own = (after["own"] - before["own"]) / wall
    return {"busy_cpus": round(busy, 2), "bench_cpus": round(own, 2),
            "other_cpus": round(max(busy - own, 0.0), 2)}


def loadavg() -> list | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --------------------------------------------------------------------------- output

def fmt_rate(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.2f}"


def text_table(results: list[dict]) -> str:
    width = max([len(r["name"]) for r in results] + [len("row")])
    lines = [f"{'row':<{width}}  {'mean per second':>16}  {'± stddev':>12}  {'sd %':>6}"
             f"  {'other CPUs':>10}",
             "-" * (width + 54)]
    for r in results:
        if r.get("error"):
            lines.append(f"{r['name']:<{width}}  {'FAILED':>16}  {r['error'].splitlines()[-1][:60]}")
            continue
        pct = 100 * r["stddev"] / r["mean"] if r["mean"] else float("nan")
        other = f"{r['cpu']['other_cpus']:.2f}" if r.get("cpu") else "-"
        lines.append(f"{r['name']:<{width}}  {fmt_rate(r['mean']):>16}  "
                     f"{'± ' + fmt_rate(r['stddev']):>12}  {pct:>5.1f}%  {other:>10}")
    return "\n".join(lines)


def markdown_table(doc: dict) -> str:
    lines = ["| row | per second (mean) | ± stddev | rounds | CPUs used by other processes |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for r in doc["rows"]:
        if r.get("error"):
            lines.append(f"| {r['name']} | failed | | | |")
        else:
            other = f"{r['cpu']['other_cpus']:.2f}" if r.get("cpu") else "-"
            lines.append(f"| {r['name']} | {fmt_rate(r['mean'])} | {fmt_rate(r['stddev'])} | "
                         f"{len(r['rounds'])} | {other} |")
    return "\n".join(lines)


def markdown_header(doc: dict) -> str:
    m, g = doc["machine"], doc["git"]
    commit = (g.get("commit") or "?")[:12] + (" (dirty tree)" if g.get("dirty") else "")
    return (f"- date: {doc['date']}\n- commit: {commit}\n"
            f"- machine: {m['nproc']} CPUs, {m['cpu_model']}, Python {m['python']}\n"
            f"- command: `{doc['command']}`\n"
            f"- settings: {doc['settings']['rounds']} rounds of >= {doc['settings']['duration']} s "
            f"after {doc['settings']['warmup']} s warm-up\n"
            f"- load average at start / end: {doc.get('loadavg_start')} / {doc.get('loadavg_end')}")


def write_json(path: str, doc: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- driver

def import_engine(name: str):
    """Imports the engine module. For colony, falls back to this source tree (python/ and
    build/cw) when it is not installed and no PYTHONPATH points at it."""
    try:
        mod = importlib.import_module(name)
        # A folder named like the package (e.g. /tmp/colony, where sessions live, when run from
        # /tmp) imports as an empty namespace package: that is not the engine.
        if getattr(mod, "__file__", None) is not None:
            return mod
        del sys.modules[name]
        error: Exception = ImportError(f"{name} resolved to the namespace package "
                                       f"{list(mod.__path__)}, not the engine")
    except ImportError as e:
        error = e
    if name != "colony" or not os.path.isdir(os.path.join(REPO_DIR, "python", "colony")):
        raise error
    sys.path.insert(0, os.path.join(REPO_DIR, "python"))
    build = os.path.join(REPO_DIR, "build", "cw")
    if "COLONY_BIN_DIR" not in os.environ and os.path.exists(os.path.join(build, "colony-gcs")):
        os.environ["COLONY_BIN_DIR"] = build  # inherited by the client drivers
    return importlib.import_module(name)


def select_rows(pattern: str | None) -> list[Row]:
    rows = ordered_rows()
    if pattern:
        rx = re.compile(pattern)
        rows = [r for r in rows if rx.search(r.name)]
    return rows


def list_rows() -> None:
    for name in RAY_ROWS + [n for n in ROWS if n not in RAY_ROWS]:
        r = ROWS.get(name)
        state = f"[{r.group}]" if r else "(not implemented)"
        print(f"{name:<48} {state}")


def run(args) -> int:
    engine = ENGINES[args.engine]()
    mod = import_engine(engine.module_name)
    rows = select_rows(args.rows)
    if not rows:
        print(f"no implemented row matches --rows {args.rows!r}; see --list", file=sys.stderr)
        return 2

    doc = {
        "schema": SCHEMA_VERSION,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": _command_line(),
        "cwd": os.getcwd(),
        "engine": engine.describe(mod),
        "git": git_info(),
        "machine": machine_info(),
        "settings": {"rounds": args.rounds, "duration": args.duration, "warmup": args.warmup,
                     "settle": args.settle, "quiet_wait": args.quiet_wait,
                     "cluster_warmup": args.cluster_warmup, "clients": args.clients,
                     "client_batch": args.client_batch, "actors": args.actors,
                     "actor_batch": args.actor_batch, "call_timeout": args.call_timeout,
                     "init": _init_kwargs(args)},
        "loadavg_start": loadavg(),
        "complete": False,
        "rows": [],
    }
    print(f"engine {doc['engine']['name']} {doc['engine']['version']} from "
          f"{doc['engine']['file']}")
    print(f"commit {doc['git'].get('commit')}{' (dirty)' if doc['git'].get('dirty') else ''}; "
          f"{doc['machine']['nproc']} CPUs; load average {doc['loadavg_start']}")
    print(f"{len(rows)} row(s), {args.rounds} rounds of >= {args.duration}s each; "
          f"results -> {args.output}\n")

    ctx = None
    current_kwargs = None
    failures = 0
    try:
        for r in rows:
            kwargs = {**_init_kwargs(args), **r.init_kwargs}
            if ctx is None or kwargs != current_kwargs:
                if ctx is not None:
                    engine.stop(mod)
                faulthandler.dump_traceback_later(args.row_timeout, exit=True)
                t0 = time.perf_counter()
                cluster = engine.start(mod, kwargs)
                ctx = Context(mod, engine, cluster, args)
                current_kwargs = kwargs
                start_seconds = time.perf_counter() - t0
                print("cluster: " + ", ".join(f"{k} pid {v}" for k, v in
                                               cluster.processes.items())
                      + (f"; logs in {cluster.session_dir}" if cluster.session_dir else ""),
                      flush=True)
                warm = cluster_warmup(mod, ctx, args.cluster_warmup)
                faulthandler.cancel_dump_traceback_later()
                print(f"cluster started in {start_seconds:.2f}s; first task took "
                      f"{warm['first_task_seconds']:.3f}s; warm-up tasks/s by second: "
                      f"{warm['tasks_per_second_by_second']}\n", flush=True)
                doc.setdefault("clusters", []).append(
                    {"init": kwargs, "start_seconds": round(start_seconds, 3),
                     "processes": cluster.processes, "session_dir": cluster.session_dir,
                     "warmup": warm})
            result = run_row(r, mod, ctx, args)
            doc["rows"].append(result)
            write_json(args.output, doc)  # keep what is done if a later row hangs
            if result.get("error"):
                failures += 1
                # The cluster may be in a bad state: start a fresh one for the next row.
                try:
                    engine.stop(mod)
                except Exception:  # noqa: BLE001
                    traceback.print_exc()
                ctx = None
    finally:
        if ctx is not None:
            try:
                engine.stop(mod)
            except Exception:  # noqa: BLE001
                traceback.print_exc()

    doc["loadavg_end"] = loadavg()
    doc["complete"] = True
    write_json(args.output, doc)
    print()
    print(text_table(doc["rows"]))
    print(f"\nload average at start / end: {doc['loadavg_start']} / {doc['loadavg_end']}")
    print(f"results written to {args.output}")
    if args.markdown:
        print()
        print(markdown_header(doc))
        print()
        print(markdown_table(doc))
    return 1 if failures else 0


def _command_line() -> str:
    """The command as typed, with the environment variables that choose the build."""
    env = [f"{k}={os.environ[k]}" for k in ("COLONY_BIN_DIR", "PYTHONPATH", "TESTS_TO_RUN")
           if os.environ.get(k)]
    return " ".join(env + [os.path.basename(sys.executable)] + sys.argv)


def _init_kwargs(args) -> dict:
    return {"num_cpus": args.num_cpus} if args.num_cpus is not None else {}


def wait_until_quiet(max_seconds: float, threshold: float = 0.1) -> dict:
    """Waits until this process and its descendants (the cluster's daemons, their agents and
    workers) use less than ``threshold`` CPUs over a 1 s window, for at most ``max_seconds``.
    A fresh cluster keeps starting things for seconds after init returns (Ray: its dashboard
    and runtime-env agents, log monitor and prestarted workers; on 2 cores that took half the
    CPU from the first rows); Ray's own script hides that behind a 10 s sleep per row."""
    t0 = time.monotonic()
    windows = []
    while True:
        before = cpu_snapshot(os.getpid())
        time.sleep(1.0)
        used = cpu_use(before, cpu_snapshot(os.getpid()))
        if used is None:
            break
        windows.append(used["bench_cpus"])
        if used["bench_cpus"] < threshold or time.monotonic() - t0 >= max_seconds:
            break
    return {"seconds": round(time.monotonic() - t0, 2), "cluster_cpus_by_second": windows,
            "quiet": bool(windows) and windows[-1] < threshold}


def run_row(r: Row, mod, ctx: Context, args) -> dict:
    result = {"name": r.name, "group": r.group, "loadavg_before": loadavg()}
    if args.settle:
        time.sleep(args.settle)
    if args.quiet_wait > 0:
        result["quiet_wait"] = wait_until_quiet(args.quiet_wait)
    gc.collect()
    # A hang must not eat the whole run: dump every thread's stack and exit.
    faulthandler.dump_traceback_later(args.row_timeout, exit=True)
    workload = None
    t0 = time.perf_counter()
    try:
        workload = r.setup(mod, ctx)
        result["setup_seconds"] = round(time.perf_counter() - t0, 3)
        result["multiplier"] = workload.multiplier
        result["params"] = workload.params
        cpu_before = cpu_snapshot(os.getpid())
        result.update(timeit(workload.fn, workload.multiplier, args.rounds, args.duration,
                             args.warmup, workload.round_extra))
        result["cpu"] = cpu_use(cpu_before, cpu_snapshot(os.getpid()))
        pct = 100 * result["stddev"] / result["mean"] if result["mean"] else float("nan")
        other = (f"; other processes used {result['cpu']['other_cpus']:.2f} CPUs"
                 if result["cpu"] else "")
        print(f"{r.name} per second {fmt_rate(result['mean'])} +- {fmt_rate(result['stddev'])}"
              f" ({pct:.1f}%{other})", flush=True)
    except Exception:  # noqa: BLE001 - one failed row must not hide the others
        result["error"] = traceback.format_exc()
        print(f"{r.name} FAILED:\n{result['error']}", file=sys.stderr, flush=True)
    finally:
        try:
            if workload is not None and workload.teardown:
                workload.teardown()
        except Exception:  # noqa: BLE001
            traceback.print_exc()
        faulthandler.cancel_dump_traceback_later()
    result["row_seconds"] = round(time.perf_counter() - t0, 3)
    result["loadavg_after"] = loadavg()
    return result


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", metavar="REGEX",
                   default=os.environ.get("TESTS_TO_RUN") or None,
                   help="run only rows whose name matches (re.search); default: all "
                        "implemented rows (env TESTS_TO_RUN works too)")
    p.add_argument("--list", action="store_true", help="list Ray's rows and which exist here")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per row (default 5)")
    p.add_argument("--duration", type=float, default=2.0,
                   help="minimum seconds per round (default 2.0; Ray uses 2)")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="warm-up seconds before the rounds (default 1.0; Ray uses 1)")
    p.add_argument("--settle", type=float, default=0.0,
                   help="seconds to sleep before each row (Ray sleeps 10 to let neighbours "
                        "settle; default 0)")
    p.add_argument("--quiet-wait", type=float, default=30.0,
                   help="before each row, wait up to this many seconds until the cluster's "
                        "processes are idle (< 0.1 CPU over 1 s), so a row does not share the "
                        "CPUs with daemons still starting up (default 30; 0 = off)")
    p.add_argument("--cluster-warmup", type=float, default=3.0,
                   help="seconds of no-op tasks run on each fresh cluster before its first row, "
                        "so that row does not pay for starting workers (default 3)")
    p.add_argument("--clients", type=int, default=4,
                   help="client actors in 'multi client tasks async' and client drivers in "
                        "'multi driver tasks async' (default 4, as Ray)")
    p.add_argument("--client-batch", type=int, default=10000,
                   help="tasks each client submits per call in those rows (default 10000, as "
                        "Ray)")
    p.add_argument("--actors", type=int, default=None,
                   help="n of the 1:n and n:n actor rows: how many server actors (default, as "
                        "Ray: cpu_count // 2, at least 1)")
    p.add_argument("--actor-batch", type=int, default=2000,
                   help="calls per server (1:n rows) or per caller task (n:n rows, 4 tasks) in "
                        "one call of the actor rows where Ray uses 5000 (default 2000 so a call "
                        "stays within a round; 'n:n actor calls with arg async' keeps Ray's 1000)")
    p.add_argument("--call-timeout", type=float, default=60.0,
                   help="seconds the driver's get() waits in the actor rows before the row "
                        "fails as hung and the run goes on with a fresh cluster (default 60)")
    p.add_argument("--num-cpus", type=float, default=None,
                   help="num_cpus for init() (default: the engine's default, all CPUs)")
    p.add_argument("--row-timeout", type=float, default=300.0,
                   help="seconds after which a row counts as hung: stacks are dumped and the "
                        "run exits (default 300)")
    p.add_argument("--engine", choices=sorted(ENGINES), default="colony", help=argparse.SUPPRESS)
    p.add_argument("--compare-ray", action="store_true",
                   help="run the rows under Colony and under Ray (installed into "
                        "bench/.ray-venv by bench/setup_ray_venv.sh on first use), group by "
                        "group, and print colony/ray per row")
    p.add_argument("--ray-python", metavar="PATH",
                   help="python of an environment that has ray (default bench/.ray-venv)")
    p.add_argument("--output", default=DEFAULT_OUTPUT,
                   help="JSON file for the figures (default bench/results/latest.json)")
    p.add_argument("--markdown", action="store_true",
                   help="also print the figures as a Markdown table for bench/RESULTS.md")
    p.add_argument("--from-json", metavar="FILE",
                   help="print the Markdown table of an earlier run's JSON and exit")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0:
        p.error("--rounds must be >= 1, --duration > 0, --warmup >= 0")
    if args.clients < 1 or args.client_batch < 1:
        p.error("--clients and --client-batch must be >= 1")
    if (args.actors is not None and args.actors < 1) or args.actor_batch < 1:
        p.error("--actors and --actor-batch must be >= 1")
    if args.call_timeout <= 0:
        p.error("--call-timeout must be > 0")
    return args


# --------------------------------------------------------------------------- --compare-ray

# Options a compare run hands on to both engines' runs unchanged.
_PASSED_ON = ("rounds", "duration", "warmup", "settle", "quiet_wait", "cluster_warmup", "clients",
              "client_batch", "actors", "actor_batch", "call_timeout", "num_cpus", "row_timeout")


def target_ratio(name: str) -> float:
    """The colony/ray ratio issue 8 asks of a row: 3x for sync task and actor call rows, 2x
    for async ones, 1x for the rest."""
    calls = "tasks" in name or "calls" in name
    if calls and name.endswith(" sync"):
        return 3.0
    if calls and name.endswith(" async"):
        return 2.0
    return 1.0


def _passed_on(args) -> list[str]:
    argv = []
    for name in _PASSED_ON:
        value = getattr(args, name)
        if value is not None:
            argv += ["--" + name.replace("_", "-"), str(value)]
    return argv


def _run_engine(engine: str, python: str, pattern: str, output: str, args) -> dict | None:
    cmd = [python, os.path.abspath(__file__), "--engine", engine, "--rows", pattern,
           "--output", output, *_passed_on(args)]
    print(f"\n=== {engine}: {' '.join(cmd[2:])}", flush=True)
    subprocess.run(cmd, cwd=REPO_DIR)
    try:
        with open(output) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def compare_with_ray(args) -> int:
    """Runs the selected rows under Colony and under Ray (its own venv), group by group so
    both see the same machine load, and prints colony/ray per row."""
    if args.output == DEFAULT_OUTPUT:
        args.output = os.path.join(BENCH_DIR, "results", "compare-latest.json")
    ray_python = args.ray_python or os.path.join(BENCH_DIR, ".ray-venv", "bin", "python")
    if not os.path.exists(ray_python):
        subprocess.run(["bash", os.path.join(BENCH_DIR, "setup_ray_venv.sh")], check=True)
    rows = select_rows(args.rows)
    groups = list(dict.fromkeys(r.group for r in rows))
    scratch = os.path.join(os.path.dirname(os.path.abspath(args.output)), "compare-parts")
    os.makedirs(scratch, exist_ok=True)
    docs: dict = {"colony": [], "ray": []}
    for group in groups:
        names = [r.name for r in rows if r.group == group]
        pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
        for engine, python in (("colony", sys.executable), ("ray", ray_python)):
            doc = _run_engine(engine, python, pattern,
                              os.path.join(scratch, f"{engine}-{group}.json".replace(" ", "_")),
                              args)
            if doc is not None:
                docs[engine].append(doc)
    by_engine = {e: {r["name"]: r for d in ds for r in d["rows"]} for e, ds in docs.items()}
    combined = {
        "schema": SCHEMA_VERSION,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": _command_line(), "git": git_info(), "machine": machine_info(),
        "engines": {e: ds[0]["engine"] for e, ds in docs.items() if ds},
        "settings": docs["colony"][0]["settings"] if docs["colony"] else {},
        "rows": [_compare_row(r.name, by_engine) for r in rows],
    }
    write_json(args.output, combined)
    print()
    print(compare_table(combined))
    print(f"\nresults written to {args.output}")
    if args.markdown:
        print()
        print(compare_markdown(combined))
    return 0


def _compare_row(name: str, by_engine: dict) -> dict:
    out = {"name": name, "target": target_ratio(name)}
    for engine in ("colony", "ray"):
        r = by_engine[engine].get(name)
        out[engine] = None if r is None or r.get("error") else {"mean": r["mean"],
                                                               "stddev": r["stddev"]}
    if out["colony"] and out["ray"] and out["ray"]["mean"]:
        out["ratio"] = out["colony"]["mean"] / out["ray"]["mean"]
    return out


def _fmt_side(side) -> str:
    return "failed" if side is None else f"{fmt_rate(side['mean'])} ± {fmt_rate(side['stddev'])}"


def compare_table(doc: dict) -> str:
    width = max(len(r["name"]) for r in doc["rows"])
    lines = [f"{'row':<{width}}  {'colony':>22}  {'ray':>22}  {'colony/ray':>10}  {'target':>6}",
             "-" * (width + 70)]
    for r in doc["rows"]:
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "-"
        met = "" if "ratio" not in r else ("  ok" if r["ratio"] >= r["target"] else "  BELOW")
        lines.append(f"{r['name']:<{width}}  {_fmt_side(r['colony']):>22}  "
                     f"{_fmt_side(r['ray']):>22}  {ratio:>10}  {r['target']:>5.0f}x{met}")
    return "\n".join(lines)


def compare_markdown(doc: dict) -> str:
    engines = doc.get("engines", {})
    head = (f"- date: {doc['date']}\n- commit: {(doc['git'].get('commit') or '?')[:12]}\n"
            f"- machine: {doc['machine']['nproc']} CPUs, {doc['machine']['cpu_model']}\n"
            f"- ray: {engines.get('ray', {}).get('version')}\n- command: `{doc['command']}`")
    lines = [head, "", "| row | colony per s | ray per s | colony/ray | target |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for r in doc["rows"]:
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "-"
        met = "" if "ratio" not in r else (" (met)" if r["ratio"] >= r["target"] else " (below)")
        lines.append(f"| {r['name']} | {_fmt_side(r['colony'])} | {_fmt_side(r['ray'])} | "
                     f"{ratio}{met} | {r['target']:.0f}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.compare_ray:
        return compare_with_ray(args)
    if args.list:
        list_rows()
        return 0
    if args.from_json:
        with open(args.from_json) as f:
            doc = json.load(f)
        print(markdown_header(doc))
        print()
        print(markdown_table(doc))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
