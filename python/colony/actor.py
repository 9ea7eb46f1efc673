"""Actors: `@colony.remote` classes, their handles and method calls."""

from __future__ import annotations

import inspect

from colony import _core
from colony import exceptions
from colony._private import worker as worker_mod
from colony._private.function_manager import FunctionLoader
from colony.remote_function import _check_number, pack_args, resource_request, validate_options
from colony.util.scheduling_strategies import to_tuple

_ACTOR_OPTIONS = {"num_cpus", "num_gpus", "memory", "resources", "name", "namespace", "lifetime",
                  "max_restarts", "max_task_retries", "max_concurrency", "max_pending_calls",
                  "get_if_exists", "scheduling_strategy"}
# Actors hold no CPU while alive unless asked (as in Ray), so many fit on a small node.
_ACTOR_DEFAULTS = {"num_cpus": 0, "num_gpus": 0, "memory": 0, "resources": None, "name": None,
                   "namespace": None, "lifetime": None, "max_restarts": 0, "max_task_retries": 0,
                   "max_concurrency": None, "max_pending_calls": -1, "get_if_exists": False,
                   "scheduling_strategy": None}
_METHOD_OPTIONS = {"num_returns", "name"}
# Async actors run their calls on one event loop; this many may be in progress at once.
_ASYNC_DEFAULT_CONCURRENCY = 1000  # as Ray: coroutines on one thread are cheap


def _validate_actor_options(options: dict) -> dict:
    base = {k: v for k, v in options.items()
            if k in ("num_cpus", "num_gpus", "memory", "resources", "scheduling_strategy")}
    unknown = set(options) - _ACTOR_OPTIONS
    if unknown:
        raise ValueError(f"unknown actor option(s) {', '.join(sorted(unknown))}; valid options are "
                         f"{', '.join(sorted(_ACTOR_OPTIONS))}")
    validate_options(base)
    for name in ("name", "namespace"):
        if options.get(name) is not None and not isinstance(options[name], str):
            raise TypeError(f"actor option {name} must be a string")
    if options.get("lifetime") not in (None, "detached", "non_detached"):
        raise ValueError(f"actor option lifetime must be 'detached' or None, got {options['lifetime']!r}")
    for name in ("max_restarts", "max_task_retries", "max_pending_calls"):
        if name in options:
            _check_number(name, options[name], integer=True, minimum=-1)
    if options.get("max_concurrency") is not None:
        _check_number("max_concurrency", options["max_concurrency"], integer=True, minimum=1)
    if "get_if_exists" in options and not isinstance(options["get_if_exists"], bool):
        raise TypeError("actor option get_if_exists must be a bool")
    if options.get("get_if_exists") and not options.get("name"):
        raise ValueError("get_if_exists=True needs a name")
    return options


def _method_names(cls) -> list:
    return [name for name, member in inspect.getmembers(cls)
            if callable(member) and (not name.startswith("__") or name == "__call__")]


def _is_async(cls) -> bool:
    return any(inspect.iscoroutinefunction(m) or inspect.isasyncgenfunction(m)
               for _, m in inspect.getmembers(cls))


class ActorClass:
    """A class whose instances live in worker processes: `Cls.remote(*args)` makes one."""

    def __init__(self, cls, options: dict):
        self._cls = cls
        self._options = {**_ACTOR_DEFAULTS, **_validate_actor_options(dict(options))}
        self._methods = _method_names(cls)
        self._is_async = _is_async(cls)
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actors cannot be instantiated directly. Instead of "
                        f"'{self._cls.__name__}()', use '{self._cls.__name__}.remote()'.")

    def options(self, **options) -> "ActorClass":
        copy = object.__new__(ActorClass)
        copy.__dict__.update(self.__dict__)
        copy._options = {**self._options, **_validate_actor_options(options)}
        return copy

    def remote(self, *args, **kwargs) -> "ActorHandle":
        if not worker_mod.is_initialized():
            raise RuntimeError("colony.init() must be called before creating actors")
        try:
            inspect.signature(self._cls).bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"wrong arguments for {self._cls.__name__}(): {e}") from None
        opts = self._options
        cls = self._cls
        function_hash = worker_mod.state.exporter.export(cls)
        packed, kwarg_names = pack_args(args, kwargs, cls.__qualname__ + ".__init__")
        concurrency = opts["max_concurrency"] or (_ASYNC_DEFAULT_CONCURRENCY if self._is_async else 1)
        core_options = {
            "name": opts["name"] or "", "namespace": opts["namespace"] or "",
            "detached": opts["lifetime"] == "detached", "max_restarts": opts["max_restarts"],
            "max_task_retries": opts["max_task_retries"], "max_concurrency": concurrency,
            "max_pending_calls": opts["max_pending_calls"], "is_async": self._is_async,
        }
        try:
            actor_id, _ = _core.create_actor(cls.__module__, cls.__qualname__, function_hash,
                                             packed, kwarg_names, resource_request(opts),
                                             core_options, opts["get_if_exists"],
                                             strategy=to_tuple(opts["scheduling_strategy"]))
        except _core.CoreError as e:
            if e.code == _core.CoreError.ALREADY_EXISTS:
                raise ValueError(str(e)) from None
            raise
        return ActorHandle(actor_id, cls.__qualname__, self._methods, opts["max_pending_calls"],
                           opts["max_task_retries"], register=False)


class ActorHandle:
    """A reference to an actor; picklable, so it can be passed to tasks and other actors."""

    def __init__(self, actor_id: bytes, class_name: str, methods: list, max_pending_calls: int,
                 max_task_retries: int, register: bool = True):
        self._actor_id = actor_id
        self._class_name = class_name
        self._methods = list(methods)
        self._max_pending_calls = max_pending_calls
        self._max_task_retries = max_task_retries
        if register:
            _core.add_actor_handle(actor_id, max_pending_calls, max_task_retries)

    def __getattr__(self, name: str) -> "ActorMethod":
        if name.startswith("_") and name != "__call__":
            raise AttributeError(name)
        if name not in self._methods:
            raise AttributeError(f"actor {self._class_name} has no method {name!r}")
        return ActorMethod(self, name)

    def __reduce__(self):
        return ActorHandle, (self._actor_id, self._class_name, self._methods,
                             self._max_pending_calls, self._max_task_retries)

    def __repr__(self) -> str:
        return f"ActorHandle({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self) -> int:
        return hash(self._actor_id)

    @property
    def actor_id(self) -> str:
        return self._actor_id.hex()


class ActorMethod:
    """`handle.method.remote(*args)` calls the method; `.options(num_returns=2)` first if needed."""

    def __init__(self, handle: ActorHandle, name: str, options: dict | None = None):
        self._handle = handle
        self._name = name
        self._options = {"num_returns": 1, "name": None, **(options or {})}

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actor methods cannot be called directly. Instead of "
                        f"'{self._name}()', try '{self._name}.remote()'.")

    def options(self, **options) -> "ActorMethod":
        unknown = set(options) - _METHOD_OPTIONS
        if unknown:
            raise ValueError(f"unknown actor method option(s) {', '.join(sorted(unknown))}; "
                             f"valid options are {', '.join(sorted(_METHOD_OPTIONS))}")
        if "num_returns" in options:
            _check_number("num_returns", options["num_returns"], integer=True)
        return ActorMethod(self._handle, self._name, {**self._options, **options})

    def remote(self, *args, **kwargs):
        h = self._handle
        packed, kwarg_names = pack_args(args, kwargs, f"{h._class_name}.{self._name}")
        num_returns = self._options["num_returns"]
        try:
            refs = _core.submit_actor_task(h._actor_id, h._class_name, self._name, packed,
                                           kwarg_names, num_returns,
                                           self._options["name"] or f"{h._class_name}.{self._name}")
        except _core.CoreError as e:
            if e.code == _core.CoreError.LIMIT_EXCEEDED:
                raise exceptions.PendingCallsLimitExceeded(str(e)) from None
            raise
        return refs[0] if num_returns == 1 else refs


def get_actor(name: str, namespace: str | None = None) -> ActorHandle:
    """The handle of a live named actor; ValueError if there is none."""
    if not isinstance(name, str) or not name:
        raise TypeError("colony.get_actor() takes a non-empty actor name")
    info = _core.get_actor_info(b"", name, namespace or "")
    if info is None:
        raise ValueError(f"Failed to look up actor with name '{name}' in namespace "
                         f"'{namespace or _core.context()['namespace']}'")
    cls = FunctionLoader().load(info["module"], info["qualname"], info["function_hash"])
    return ActorHandle(info["actor_id"], info["qualname"], _method_names(cls),
                       info["max_pending_calls"], info["max_task_retries"])


def handle_from_id(actor_id: bytes):
    """A handle to the actor with this id (Python or Java), from the GCS's record."""
    info = _core.get_actor_info(actor_id, "", "")
    if info is None:
        raise ValueError(f"no actor with id {actor_id.hex()}")
    if info["language"] == 1:
        from colony import cross_language
        return cross_language.JavaActorHandle(actor_id, info["java_class"],
                                              info["max_pending_calls"], info["max_task_retries"])
    cls = FunctionLoader().load(info["module"], info["qualname"], info["function_hash"])
    return ActorHandle(info["actor_id"], info["qualname"], _method_names(cls),
                       info["max_pending_calls"], info["max_task_retries"])


def kill(actor: ActorHandle, *, no_restart: bool = True) -> None:
    """Kills the actor's process; with no_restart=False it restarts (max_restarts permitting)."""
    from colony import cross_language
    if not isinstance(actor, (ActorHandle, cross_language.JavaActorHandle)):
        raise TypeError(f"colony.kill() takes an ActorHandle, got {type(actor).__name__}")
    _core.kill_actor(actor._actor_id, no_restart)
