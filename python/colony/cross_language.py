"""Calling Java from Python: Java static methods as tasks and Java classes as actors.

    add = colony.cross_language.java_function("com.example.MathJob", "add")
    colony.get(add.remote(1, 2))                       # 3

    Counter = colony.cross_language.java_actor_class("com.example.Counter")
    counter = Counter.remote(10)
    colony.get(counter.increment.remote(1))            # 11

The Java classes are found on the job's code search path
(`colony.init(job_config=colony.JobConfig(code_search_path=[...]))`). Arguments and results
cross in the XLANG format (docs/xlang.md); a value without a cross-language form fails here,
at submit time, with a TypeError naming its type.
"""

from __future__ import annotations

from colony import _core
from colony._private import runtime_env_client
from colony._private import worker as worker_mod
from colony._private.args import pack_java_args
from colony._private.handles import JavaActorHandle, JavaActorMethod
from colony._private.generators import ObjectRefGenerator
from colony._private.options import (ACTOR_DEFAULTS, TASK_DEFAULTS, resource_request,
                                     streaming_backpressure, validate_java_actor_options,
                                     validate_options)
from colony.util.scheduling_strategies import to_tuple

__all__ = ["java_function", "java_actor_class", "JavaFunction", "JavaActorClass",
           "JavaActorHandle", "JavaActorMethod"]


def _check_name(kind: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{kind} must be a non-empty string, got {value!r}")
    return value


def _require_init(what: str) -> None:
    if not worker_mod.is_initialized():
        raise RuntimeError(f"colony.init() must be called before {what}")


def java_function(class_name: str, function_name: str) -> "JavaFunction":
    """A public static method of a Java class, called as a task."""
    return JavaFunction(_check_name("class_name", class_name),
                        _check_name("function_name", function_name), {})


def java_actor_class(class_name: str) -> "JavaActorClass":
    """A Java class whose instances are actors; its public constructor takes remote()'s args."""
    return JavaActorClass(_check_name("class_name", class_name), {})


class JavaFunction:
    def __init__(self, class_name: str, function_name: str, options: dict):
        self._class_name = class_name
        self._function_name = function_name
        self._options = {**TASK_DEFAULTS, **options}

    def options(self, **options) -> "JavaFunction":
        return JavaFunction(self._class_name, self._function_name,
                            {**self._options, **validate_options(dict(options))})

    def remote(self, *args, **kwargs):
        _require_init("calling Java functions")
        name = f"{self._class_name}.{self._function_name}"
        opts = self._options
        # num_returns="streaming": the Java method returns an Iterator, Iterable or Stream.
        streaming = streaming_backpressure(opts)
        refs = _core.submit_task("", "", b"", opts["name"] or name,
                                 pack_java_args(args, kwargs, name), [],
                                 1 if streaming >= 0 else opts["num_returns"],
                                 resource_request(opts), opts["max_retries"], False, b"",
                                 java=(self._class_name, self._function_name, ""),
                                 streaming_backpressure=streaming,
                                 strategy=to_tuple(opts["scheduling_strategy"]),
                                 runtime_env=runtime_env_client.for_submission(
                                     opts["runtime_env"]))
        if streaming >= 0:
            return ObjectRefGenerator(refs[0])
        return refs[0] if opts["num_returns"] == 1 else refs

    def __repr__(self) -> str:
        return f"JavaFunction({self._class_name}.{self._function_name})"


class JavaActorClass:
    def __init__(self, class_name: str, options: dict):
        self._class_name = class_name
        self._options = {**ACTOR_DEFAULTS, "jvm_options": [],
                         **validate_java_actor_options(dict(options))}

    def options(self, **options) -> "JavaActorClass":
        """Actor options (as for Python actors) and `jvm_options=[...]`: such an actor gets
        a JVM of its own started with those flags instead of sharing one."""
        copy = JavaActorClass(self._class_name, {})
        copy._options = {**self._options, **validate_java_actor_options(dict(options))}
        return copy

    def remote(self, *args, **kwargs) -> "JavaActorHandle":
        _require_init("creating Java actors")
        opts = self._options
        core_options = {
            "name": opts["name"] or "", "namespace": opts["namespace"] or "",
            "detached": opts["lifetime"] == "detached", "max_restarts": opts["max_restarts"],
            "max_task_retries": opts["max_task_retries"],
            "max_concurrency": opts["max_concurrency"] or 1,
            "max_pending_calls": opts["max_pending_calls"], "is_async": False,
            "jvm_options": opts["jvm_options"],
            "concurrency_groups": opts["concurrency_groups"],
        }
        packed = pack_java_args(args, kwargs, f"{self._class_name}.<init>")
        try:
            actor_id, _, token = _core.create_actor(
                "", self._class_name, b"", packed, [], resource_request(opts), core_options,
                opts["get_if_exists"], java=(self._class_name, "<init>", ""),
                strategy=to_tuple(opts["scheduling_strategy"]),
                runtime_env=runtime_env_client.for_submission(opts["runtime_env"]))
        except _core.CoreError as e:
            if e.code == _core.CoreError.ALREADY_EXISTS:
                raise ValueError(str(e)) from None
            raise
        handle = JavaActorHandle(actor_id, self._class_name, opts["max_pending_calls"],
                                 opts["max_task_retries"], register=False, token=token)
        handle._concurrency_groups = opts["concurrency_groups"] or {}  # the creator's checks
        return handle
