"""Options of tasks, actors and actor calls: what is allowed, the defaults, the checks, and
the resource request they make."""

from __future__ import annotations

import math
import numbers

from colony._private import runtime_env
from colony.util import scheduling_strategies

TASK_OPTIONS = {"num_cpus", "num_gpus", "memory", "resources", "num_returns", "max_retries",
                "retry_exceptions", "name", "scheduling_strategy", "max_calls",
                "_generator_backpressure_num_objects", "runtime_env"}
# max_calls: a worker that ran the function this many times exits (0 = never; for leaks).
TASK_DEFAULTS = {"num_cpus": 1, "num_gpus": 0, "memory": 0, "resources": None, "num_returns": 1,
                 "max_retries": 3, "retry_exceptions": False, "name": None,
                 "scheduling_strategy": None, "max_calls": 0,
                 "_generator_backpressure_num_objects": -1, "runtime_env": None}

ACTOR_OPTIONS = {"num_cpus", "num_gpus", "memory", "resources", "name", "namespace", "lifetime",
                 "max_restarts", "max_task_retries", "max_concurrency", "max_pending_calls",
                 "get_if_exists", "scheduling_strategy", "concurrency_groups", "runtime_env"}
# Actors hold no CPU while alive unless asked (as in Ray), so many fit on a small node.
ACTOR_DEFAULTS = {"num_cpus": 0, "num_gpus": 0, "memory": 0, "resources": None, "name": None,
                  "namespace": None, "lifetime": None, "max_restarts": 0, "max_task_retries": 0,
                  "max_concurrency": None, "max_pending_calls": -1, "get_if_exists": False,
                  "concurrency_groups": None, "runtime_env": None,
                  "scheduling_strategy": None}
# Async actors run their calls on one event loop; this many may be in progress at once.
ASYNC_DEFAULT_CONCURRENCY = 1000  # as Ray: coroutines on one thread are cheap

METHOD_OPTIONS = {"num_returns", "name", "_generator_backpressure_num_objects",
                  "concurrency_group"}
METHOD_DEFAULTS = {"num_returns": 1, "name": None, "_generator_backpressure_num_objects": -1,
                   "concurrency_group": None}

# num_returns="streaming": a generator whose items reach the caller as they are yielded.
STREAMING = "streaming"


def check_number(name, value, integer=False, minimum=0):
    ok = isinstance(value, numbers.Number) and not isinstance(value, bool)
    if integer:
        ok = ok and isinstance(value, int)
    if not ok:
        kind = "an integer" if integer else "a number"
        raise TypeError(f"option {name} must be {kind}, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"option {name} must be a finite number, got {value}")
    if value < minimum:
        raise ValueError(f"option {name} must be >= {minimum}, got {value}")


def check_quantity(name, value):
    """A resource amount: fractions of one unit are shareable, above one only whole units
    (as Ray), because a task cannot hold 1.5 GPUs."""
    check_number(name, value)
    if value > 1 and value != int(value):
        raise ValueError(f"option {name}: resource quantities above 1 must be whole numbers, "
                         f"got {value}")


def check_num_returns(options: dict) -> None:
    if options.get("num_returns") != STREAMING and "num_returns" in options:
        check_number("num_returns", options["num_returns"], integer=True)
    if "_generator_backpressure_num_objects" in options:
        check_number("_generator_backpressure_num_objects",
                     options["_generator_backpressure_num_objects"], integer=True, minimum=-1)


def streaming_backpressure(opts: dict) -> int:
    """The core's streaming argument: -1 for a normal call, else the window (0 = none)."""
    if opts["num_returns"] != STREAMING:
        return -1
    return max(0, opts["_generator_backpressure_num_objects"])


def validate_options(options: dict, allowed: set = TASK_OPTIONS) -> dict:
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; valid options are "
                         f"{', '.join(sorted(allowed))}")
    for name in ("num_cpus", "num_gpus"):
        if name in options:
            check_quantity(name, options[name])
    if "memory" in options:
        check_number("memory", options["memory"])
    check_num_returns(options)
    if "max_retries" in options:
        check_number("max_retries", options["max_retries"], integer=True, minimum=-1)
    if "max_calls" in options:
        check_number("max_calls", options["max_calls"], integer=True)
    if "resources" in options and options["resources"] is not None:
        res = options["resources"]
        if not isinstance(res, dict):
            raise TypeError(f"option resources must be a dict, got {type(res).__name__}")
        for k, v in res.items():
            if not isinstance(k, str):
                raise TypeError(f"resource names must be strings, got {k!r}")
            if k in ("CPU", "GPU", "memory"):
                raise ValueError(f"use the num_cpus/num_gpus/memory options instead of "
                                 f"resources[{k!r}]")
            check_quantity(f"resources[{k!r}]", v)
    if "retry_exceptions" in options:
        re = options["retry_exceptions"]
        if not isinstance(re, bool) and not (
                isinstance(re, (list, tuple)) and all(
                    isinstance(t, type) and issubclass(t, BaseException) for t in re)):
            raise TypeError("option retry_exceptions must be a bool or a list of exception types")
    if "name" in options and options["name"] is not None and not isinstance(options["name"], str):
        raise TypeError("option name must be a string")
    if "scheduling_strategy" in options:
        scheduling_strategies.validate(options["scheduling_strategy"])
    if options.get("runtime_env") is not None:
        # Local paths are checked now and uploaded when the task is first submitted.
        options["runtime_env"] = runtime_env.validate(options["runtime_env"],
                                                      working_dir_is_uri=False)
    return options


def validate_actor_options(options: dict) -> dict:
    base = {k: v for k, v in options.items()
            if k in ("num_cpus", "num_gpus", "memory", "resources", "scheduling_strategy",
                     "runtime_env")}
    unknown = set(options) - ACTOR_OPTIONS
    if unknown:
        raise ValueError(f"unknown actor option(s) {', '.join(sorted(unknown))}; valid options are "
                         f"{', '.join(sorted(ACTOR_OPTIONS))}")
    validate_options(base)
    if base.get("runtime_env") is not None:
        options["runtime_env"] = base["runtime_env"]  # normalised: absolute paths
    for name in ("name", "namespace"):
        if options.get(name) is not None and not isinstance(options[name], str):
            raise TypeError(f"actor option {name} must be a string")
    if options.get("lifetime") not in (None, "detached", "non_detached"):
        raise ValueError(f"actor option lifetime must be 'detached' or None, got {options['lifetime']!r}")
    for name in ("max_restarts", "max_task_retries", "max_pending_calls"):
        if name in options:
            check_number(name, options[name], integer=True, minimum=-1)
    if options.get("max_concurrency") is not None:
        check_number("max_concurrency", options["max_concurrency"], integer=True, minimum=1)
    if "get_if_exists" in options and not isinstance(options["get_if_exists"], bool):
        raise TypeError("actor option get_if_exists must be a bool")
    if options.get("get_if_exists") and not options.get("name"):
        raise ValueError("get_if_exists=True needs a name")
    groups = options.get("concurrency_groups")
    if groups is not None:
        if not isinstance(groups, dict):
            raise TypeError("actor option concurrency_groups must be a dict of group name to "
                            f"concurrency, e.g. {{'io': 2}}; got {type(groups).__name__}")
        for name, concurrency in groups.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"concurrency group names must be non-empty strings, got {name!r}")
            check_number(f"concurrency_groups[{name!r}]", concurrency, integer=True, minimum=1)
    return options


def check_concurrency_groups(class_name: str, groups: dict | None, method_options: dict) -> None:
    """Every method's @colony.method(concurrency_group=) names a group the actor declares."""
    for method, options in (method_options or {}).items():
        group = options.get("concurrency_group")
        if group is not None and group not in (groups or {}):
            raise ValueError(f"method {class_name}.{method} is in concurrency group {group!r}, "
                             f"which the actor does not declare (concurrency_groups="
                             f"{groups or {}})")


def validate_java_actor_options(options: dict) -> dict:
    """Actor options plus jvm_options: a list of JVM flags for a JVM of the actor's own."""
    jvm_options = options.pop("jvm_options", None)
    checked = validate_actor_options(options)
    if jvm_options is not None:
        if isinstance(jvm_options, str) or not all(isinstance(o, str) for o in jvm_options):
            raise TypeError("jvm_options must be a list of strings, e.g. ['-Xmx512m']")
        checked["jvm_options"] = list(jvm_options)
    return checked


def validate_method_options(options: dict) -> dict:
    """Options of one actor call: `handle.method.options(num_returns=2)`."""
    unknown = set(options) - METHOD_OPTIONS
    if unknown:
        raise ValueError(f"unknown actor method option(s) {', '.join(sorted(unknown))}; "
                         f"valid options are {', '.join(sorted(METHOD_OPTIONS))}")
    check_num_returns(options)
    group = options.get("concurrency_group")
    if group is not None and (not isinstance(group, str) or not group):
        raise TypeError(f"option concurrency_group must be a non-empty string, got {group!r}")
    return options


def resource_request(opts: dict) -> dict:
    request = {"CPU": float(opts["num_cpus"])}
    if opts["num_gpus"]:
        request["GPU"] = float(opts["num_gpus"])
    if opts["memory"]:
        request["memory"] = float(opts["memory"])
    for k, v in (opts["resources"] or {}).items():
        request[k] = float(v)
    return {k: v for k, v in request.items() if v}
