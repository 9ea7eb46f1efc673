"""Actors: `@colony.remote` classes, their handles and method calls."""

from __future__ import annotations

import inspect

from colony import _core
from colony._private import options as options_mod
from colony._private import runtime_env_client
from colony._private import worker as worker_mod
from colony._private.actor_exit import exit_actor
from colony._private.args import pack_args
from colony._private.function_manager import FunctionLoader
from colony._private.handles import (ActorHandle, ActorMethod, actor_id_of, handle_from_id,
                                     METHOD_OPTIONS_ATTRIBUTE, method_names, method_options,
                                     method_signatures)
from colony.util.scheduling_strategies import to_tuple

__all__ = ["ActorClass", "ActorHandle", "ActorMethod", "exit_actor", "get_actor",
           "handle_from_id", "kill", "method"]


def method(**options):
    """Call options for an actor method, as Ray's @ray.method::

        @colony.remote
        class Splitter:
            @colony.method(num_returns=2)
            def halves(self, items):
                return items[:len(items) // 2], items[len(items) // 2:]

    `handle.halves.options(...)` still overrides them per call.
    """
    options_mod.validate_method_options(options)

    def decorate(fn):
        if not callable(fn):
            raise TypeError(f"@colony.method decorates an actor method, got {type(fn).__name__}")
        setattr(fn, METHOD_OPTIONS_ATTRIBUTE, dict(options))
        return fn
    return decorate


def _is_async(cls) -> bool:
    return any(inspect.iscoroutinefunction(m) or inspect.isasyncgenfunction(m)
               for _, m in inspect.getmembers(cls))


class ActorClass:
    """A class whose instances live in worker processes: `Cls.remote(*args)` makes one."""

    def __init__(self, cls, options: dict):
        self._cls = cls
        self._options = {**options_mod.ACTOR_DEFAULTS,
                         **options_mod.validate_actor_options(dict(options))}
        self._methods = method_names(cls)
        self._signatures = method_signatures(cls)
        self._method_options = method_options(cls)
        self._is_async = _is_async(cls)
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def __getattr__(self, name: str):
        # Class attributes through the decorated name, as in plain Python: inside a method,
        # `MyActor.CONSTANT` reaches the class (the name is bound to this wrapper).
        cls = self.__dict__.get("_cls")
        if cls is None or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        return getattr(cls, name)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actors cannot be instantiated directly. Instead of "
                        f"'{self._cls.__name__}()', use '{self._cls.__name__}.remote()'.")

    def options(self, **options) -> "ActorClass":
        copy = object.__new__(ActorClass)
        copy.__dict__.update(self.__dict__)
        copy._options = {**self._options, **options_mod.validate_actor_options(options)}
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
        concurrency = opts["max_concurrency"] or (
            options_mod.ASYNC_DEFAULT_CONCURRENCY if self._is_async else 1)
        options_mod.check_concurrency_groups(cls.__name__, opts["concurrency_groups"],
                                             self._method_options)
        core_options = {
            "name": opts["name"] or "", "namespace": opts["namespace"] or "",
            "detached": opts["lifetime"] == "detached", "max_restarts": opts["max_restarts"],
            "max_task_retries": opts["max_task_retries"], "max_concurrency": concurrency,
            "max_pending_calls": opts["max_pending_calls"], "is_async": self._is_async,
            "concurrency_groups": opts["concurrency_groups"],
        }
        try:
            actor_id, _, token = _core.create_actor(
                cls.__module__, cls.__qualname__, function_hash, packed, kwarg_names,
                options_mod.resource_request(opts), core_options, opts["get_if_exists"],
                strategy=to_tuple(opts["scheduling_strategy"]),
                runtime_env=runtime_env_client.for_submission(opts["runtime_env"]))
        except _core.CoreError as e:
            if e.code == _core.CoreError.ALREADY_EXISTS:
                raise ValueError(str(e)) from None
            raise
        handle = ActorHandle(actor_id, cls.__qualname__, self._methods, opts["max_pending_calls"],
                             opts["max_task_retries"], register=False, token=token,
                             signatures=self._signatures, method_options=self._method_options)
        handle._concurrency_groups = opts["concurrency_groups"] or {}  # the creator's checks
        return handle


def get_actor(name: str, namespace: str | None = None) -> ActorHandle:
    """The handle of a live named actor; ValueError if there is none."""
    if not isinstance(name, str) or not name:
        raise TypeError("colony.get_actor() takes a non-empty actor name")
    info = _core.get_actor_info(b"", name, namespace or "")
    if info is None:
        raise ValueError(f"Failed to look up actor with name '{name}' in namespace "
                         f"'{namespace or _core.context()['namespace']}'")
    cls = FunctionLoader().load(info["module"], info["qualname"], info["function_hash"])
    return ActorHandle(info["actor_id"], info["qualname"], method_names(cls),
                       info["max_pending_calls"], info["max_task_retries"],
                       token=info["handle_token"], signatures=method_signatures(cls),
                       method_options=method_options(cls))


def kill(actor: ActorHandle, *, no_restart: bool = True) -> None:
    """Kills the actor's process; with no_restart=False it restarts (max_restarts permitting)."""
    actor_id = actor_id_of(actor)
    if actor_id is None:
        raise TypeError(f"colony.kill() takes an ActorHandle, got {type(actor).__name__}")
    _core.kill_actor(actor_id, no_restart)
