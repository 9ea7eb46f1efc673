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
from colony import exceptions
from colony._private import serialization
from colony._private import worker as worker_mod
from colony.actor import _ACTOR_DEFAULTS, _validate_actor_options
from colony.remote_function import _DEFAULTS, inline_or_put, resource_request, validate_options
from colony.util.scheduling_strategies import to_tuple

__all__ = ["java_function", "java_actor_class", "JavaFunction", "JavaActorClass",
           "JavaActorHandle"]


def _check_name(kind: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{kind} must be a non-empty string, got {value!r}")
    return value


def _pack_java_args(args: tuple, kwargs: dict, fn_name: str) -> list:
    if kwargs:
        raise TypeError(f"{fn_name} is a Java method: it takes positional arguments only, got "
                        f"keyword argument(s) {', '.join(kwargs)}")
    packed = []
    for i, arg in enumerate(args):
        if isinstance(arg, _core.ObjectRef):
            packed.append(arg)
            continue
        packed.append(inline_or_put(
            *serialization.serialize_xlang(arg, f"argument {i} of {fn_name}", "JAVA")))
    return packed


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
        self._options = {**_DEFAULTS, **options}

    def options(self, **options) -> "JavaFunction":
        return JavaFunction(self._class_name, self._function_name,
                            {**self._options, **validate_options(dict(options))})

    def remote(self, *args, **kwargs):
        _require_init("calling Java functions")
        name = f"{self._class_name}.{self._function_name}"
        opts = self._options
        refs = _core.submit_task("", "", b"", opts["name"] or name,
                                 _pack_java_args(args, kwargs, name), [], opts["num_returns"],
                                 resource_request(opts), opts["max_retries"], False, b"",
                                 java=(self._class_name, self._function_name, ""),
                                 strategy=to_tuple(opts["scheduling_strategy"]))
        return refs[0] if opts["num_returns"] == 1 else refs

    def __repr__(self) -> str:
        return f"JavaFunction({self._class_name}.{self._function_name})"


def _validate_java_actor_options(options: dict) -> dict:
    """Actor options plus jvm_options: a list of JVM flags for a JVM of the actor's own."""
    jvm_options = options.pop("jvm_options", None)
    checked = _validate_actor_options(options)
    if jvm_options is not None:
        if isinstance(jvm_options, str) or not all(isinstance(o, str) for o in jvm_options):
            raise TypeError("jvm_options must be a list of strings, e.g. ['-Xmx512m']")
        checked["jvm_options"] = list(jvm_options)
    return checked


class JavaActorClass:
    def __init__(self, class_name: str, options: dict):
        self._class_name = class_name
        self._options = {**_ACTOR_DEFAULTS, "jvm_options": [],
                         **_validate_java_actor_options(dict(options))}

    def options(self, **options) -> "JavaActorClass":
        """Actor options (as for Python actors) and `jvm_options=[...]`: such an actor gets
        a JVM of its own started with those flags instead of sharing one."""
        copy = JavaActorClass(self._class_name, {})
        copy._options = {**self._options, **_validate_java_actor_options(dict(options))}
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
        }
        packed = _pack_java_args(args, kwargs, f"{self._class_name}.<init>")
        try:
            actor_id, _ = _core.create_actor("", self._class_name, b"", packed, [],
                                             resource_request(opts), core_options,
                                             opts["get_if_exists"],
                                             java=(self._class_name, "<init>", ""),
                                             strategy=to_tuple(opts["scheduling_strategy"]))
        except _core.CoreError as e:
            if e.code == _core.CoreError.ALREADY_EXISTS:
                raise ValueError(str(e)) from None
            raise
        return JavaActorHandle(actor_id, self._class_name, opts["max_pending_calls"],
                               opts["max_task_retries"], register=False)


class JavaActorHandle:
    """A handle to a Java actor: `handle.method.remote(*args)`. Picklable, and passable to
    Java code, which sees an ActorHandle."""

    def __init__(self, actor_id: bytes, class_name: str, max_pending_calls: int = -1,
                 max_task_retries: int = 0, register: bool = True):
        self._actor_id = actor_id
        self._class_name = class_name
        self._max_pending_calls = max_pending_calls
        self._max_task_retries = max_task_retries
        if register:
            _core.add_actor_handle(actor_id, max_pending_calls, max_task_retries)

    @classmethod
    def _from_id(cls, actor_id: bytes) -> "JavaActorHandle":
        info = _core.get_actor_info(actor_id, "", "")
        if info is None:
            raise ValueError(f"no Java actor with id {actor_id.hex()}")
        return cls(actor_id, info["java_class"], info["max_pending_calls"],
                   info["max_task_retries"])

    def __getattr__(self, name: str) -> "JavaActorMethod":
        if name.startswith("_"):
            raise AttributeError(name)
        return JavaActorMethod(self, name)

    def __reduce__(self):
        return JavaActorHandle, (self._actor_id, self._class_name, self._max_pending_calls,
                                 self._max_task_retries)

    def __repr__(self) -> str:
        return f"JavaActorHandle({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other) -> bool:
        return isinstance(other, JavaActorHandle) and other._actor_id == self._actor_id

    def __hash__(self) -> int:
        return hash(self._actor_id)


class JavaActorMethod:
    def __init__(self, handle: JavaActorHandle, name: str):
        self._handle = handle
        self._name = name

    def remote(self, *args, **kwargs):
        h = self._handle
        name = f"{h._class_name}.{self._name}"
        try:
            refs = _core.submit_actor_task(h._actor_id, h._class_name, self._name,
                                           _pack_java_args(args, kwargs, name), [], 1, name,
                                           java=True)
        except _core.CoreError as e:
            if e.code == _core.CoreError.LIMIT_EXCEEDED:
                raise exceptions.PendingCallsLimitExceeded(str(e)) from None
            raise
        return refs[0]
