"""Actor handles, Python's and Java's, and the calls made through them.

Public as colony.ActorHandle / colony.actor.ActorHandle and
colony.cross_language.JavaActorHandle. A handle encodes itself for the XLANG codec
(`__colony_xlang_handle__`), and this module registers the codec's decoders for refs and
handles when it is imported.
"""

from __future__ import annotations

import inspect

from colony import _core
from colony import exceptions
from colony._private import options as options_mod
from colony._private import xlang
from colony._private.actor_exit import TERMINATE_METHOD
from colony._private.args import pack_args, pack_java_args
from colony._private.function_manager import FunctionLoader
from colony._private.generators import ObjectRefGenerator


def method_names(cls) -> list:
    """The methods of an actor class that a handle can call."""
    return [name for name, member in inspect.getmembers(cls)
            if callable(member) and (not name.startswith("__") or name == "__call__")]


class ActorHandle:
    """A reference to an actor; picklable, so it can be passed to tasks and other actors.

    A non-detached actor lives while any process holds a handle to it (or a call to it is
    pending): each handle holds a ref to the actor's handle token, counted like any ref
    across processes, and the actor ends gracefully once the last one is gone.
    """

    def __init__(self, actor_id: bytes, class_name: str, methods: list, max_pending_calls: int,
                 max_task_retries: int, register: bool = True, token=None,
                 signatures: dict | None = None, method_options: dict | None = None):
        self._actor_id = actor_id
        self._class_name = class_name
        self._methods = list(methods)
        self._signatures = signatures  # method name -> inspect.Signature (without self)
        self._method_options = method_options  # method name -> @colony.method options
        self._max_pending_calls = max_pending_calls
        self._max_task_retries = max_task_retries
        self._token = token  # ObjectRef, or None for a detached actor
        if register:
            _core.add_actor_handle(actor_id, max_pending_calls, max_task_retries)

    def __getattr__(self, name: str) -> "ActorMethod":
        if name == TERMINATE_METHOD:
            return ActorMethod(self, name)
        if name.startswith("_") and name != "__call__":
            raise AttributeError(name)
        if name not in self._methods:
            raise AttributeError(f"actor {self._class_name} has no method {name!r}")
        return ActorMethod(self, name)

    def __reduce__(self):
        return ActorHandle, (self._actor_id, self._class_name, self._methods,
                             self._max_pending_calls, self._max_task_retries, True, self._token,
                             self._signatures, self._method_options)

    def __colony_xlang_handle__(self) -> tuple:
        return self._actor_id, xlang.LANGUAGE_PYTHON

    def __repr__(self) -> str:
        return f"ActorHandle({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self) -> int:
        return hash(self._actor_id)

    @property
    def actor_id(self) -> str:
        return self._actor_id.hex()


def method_signatures(cls) -> dict:
    """Each method's signature without `self`, defaults and annotations stripped (only the
    shape matters, and it travels with pickled handles): checks a call's arguments at
    .remote() time, where the mistake is, not later inside the actor."""
    out = {}
    for name in method_names(cls):
        try:
            sig = inspect.signature(getattr(cls, name))
        except (TypeError, ValueError):
            continue  # no introspectable signature (a builtin): not checked
        params = list(sig.parameters.values())
        bound = isinstance(inspect.getattr_static(cls, name, None), (staticmethod, classmethod))
        if not bound and params:
            params = params[1:]  # self
        out[name] = inspect.Signature([
            p.replace(annotation=p.empty, default=None if p.default is not p.empty else p.empty)
            for p in params])
    return out


# Set by @colony.method on a method: its call options' defaults.
METHOD_OPTIONS_ATTRIBUTE = "__colony_method_options__"


def method_options(cls) -> dict:
    """{method name: options from @colony.method} for the methods that have some."""
    out = {}
    for name in method_names(cls):
        options = getattr(getattr(cls, name), METHOD_OPTIONS_ATTRIBUTE, None)
        if options:
            out[name] = dict(options)
    return out


class ActorMethod:
    """`handle.method.remote(*args)` calls the method; `.options(num_returns=2)` first if needed."""

    def __init__(self, handle: ActorHandle, name: str, options: dict | None = None):
        self._handle = handle
        self._name = name
        self._options = {**options_mod.METHOD_DEFAULTS,
                         **(handle._method_options or {}).get(name, {}), **(options or {})}

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actor methods cannot be called directly. Instead of "
                        f"'{self._name}()', try '{self._name}.remote()'.")

    def options(self, **options) -> "ActorMethod":
        options_mod.validate_method_options(options)
        return ActorMethod(self._handle, self._name, {**self._options, **options})

    def remote(self, *args, **kwargs):
        h = self._handle
        signature = (h._signatures or {}).get(self._name)
        if signature is not None:
            try:
                signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"wrong arguments for {h._class_name}.{self._name}(): {e}") from None
        packed, kwarg_names = pack_args(args, kwargs, f"{h._class_name}.{self._name}")
        group = self._options["concurrency_group"]
        known = getattr(h, "_concurrency_groups", None)  # None: a borrowed handle, unchecked
        if group is not None and known is not None and group not in known:
            raise ValueError(f"{h._class_name}.{self._name}: concurrency group {group!r} is not "
                             f"one of the actor's ({sorted(known)})")
        streaming = options_mod.streaming_backpressure(self._options)
        num_returns = 1 if streaming >= 0 else self._options["num_returns"]
        try:
            refs = _core.submit_actor_task(h._actor_id, h._class_name, self._name, packed,
                                           kwarg_names, num_returns,
                                           self._options["name"] or f"{h._class_name}.{self._name}",
                                           token=h._token, streaming_backpressure=streaming,
                                           concurrency_group=group or "")
        except _core.CoreError as e:
            if e.code == _core.CoreError.LIMIT_EXCEEDED:
                raise exceptions.PendingCallsLimitExceeded(str(e)) from None
            raise
        if streaming >= 0:
            return ObjectRefGenerator(refs[0])
        return refs[0] if num_returns == 1 else refs


class JavaActorHandle:
    """A handle to a Java actor: `handle.method.remote(*args)`. Picklable, and passable to
    Java code, which sees an ActorHandle."""

    def __init__(self, actor_id: bytes, class_name: str, max_pending_calls: int = -1,
                 max_task_retries: int = 0, register: bool = True, token=None):
        self._actor_id = actor_id
        self._class_name = class_name
        self._max_pending_calls = max_pending_calls
        self._max_task_retries = max_task_retries
        self._token = token  # as ActorHandle's: Python handles keep the actor alive
        if register:
            _core.add_actor_handle(actor_id, max_pending_calls, max_task_retries)

    @classmethod
    def _from_id(cls, actor_id: bytes) -> "JavaActorHandle":
        info = _core.get_actor_info(actor_id, "", "")
        if info is None:
            raise ValueError(f"no Java actor with id {actor_id.hex()}")
        return cls(actor_id, info["java_class"], info["max_pending_calls"],
                   info["max_task_retries"], token=info["handle_token"])

    def __getattr__(self, name: str) -> "JavaActorMethod":
        if name.startswith("_"):
            raise AttributeError(name)
        return JavaActorMethod(self, name)

    def __reduce__(self):
        return JavaActorHandle, (self._actor_id, self._class_name, self._max_pending_calls,
                                 self._max_task_retries, True, self._token)

    def __colony_xlang_handle__(self) -> tuple:
        return self._actor_id, xlang.LANGUAGE_JAVA

    def __repr__(self) -> str:
        return f"JavaActorHandle({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other) -> bool:
        return isinstance(other, JavaActorHandle) and other._actor_id == self._actor_id

    def __hash__(self) -> int:
        return hash(self._actor_id)


class JavaActorMethod:
    def __init__(self, handle: JavaActorHandle, name: str, options: dict | None = None):
        self._handle = handle
        self._name = name
        self._options = {**options_mod.METHOD_DEFAULTS, **(options or {})}

    def options(self, **options) -> "JavaActorMethod":
        """As for Python methods: `num_returns="streaming"` (the Java method returns an
        Iterator, Iterable or Stream), `_generator_backpressure_num_objects`,
        `concurrency_group`, `name`; num_returns above 1 needs the method to return a List."""
        return JavaActorMethod(self._handle, self._name,
                               {**self._options, **options_mod.validate_method_options(options)})

    def remote(self, *args, **kwargs):
        h = self._handle
        opts = self._options
        name = f"{h._class_name}.{self._name}"
        group = opts["concurrency_group"]
        known = getattr(h, "_concurrency_groups", None)  # None: a borrowed handle, unchecked
        if group is not None and known is not None and group not in known:
            raise ValueError(f"{name}: concurrency group {group!r} is not one of the actor's "
                             f"({sorted(known)})")
        streaming = options_mod.streaming_backpressure(opts)
        num_returns = 1 if streaming >= 0 else opts["num_returns"]
        try:
            refs = _core.submit_actor_task(h._actor_id, h._class_name, self._name,
                                           pack_java_args(args, kwargs, name), [], num_returns,
                                           opts["name"] or name, java=True, token=h._token,
                                           streaming_backpressure=streaming,
                                           concurrency_group=group or "")
        except _core.CoreError as e:
            if e.code == _core.CoreError.LIMIT_EXCEEDED:
                raise exceptions.PendingCallsLimitExceeded(str(e)) from None
            raise
        if streaming >= 0:
            return ObjectRefGenerator(refs[0])
        return refs[0] if num_returns == 1 else refs


def actor_id_of(handle) -> bytes | None:
    """The binary actor id of a Python or Java actor handle; None for anything else."""
    if isinstance(handle, (ActorHandle, JavaActorHandle)):
        return handle._actor_id
    return None


def handle_from_id(actor_id: bytes):
    """A handle to the actor with this id (Python or Java), from the GCS's record."""
    info = _core.get_actor_info(actor_id, "", "")
    if info is None:
        raise ValueError(f"no actor with id {actor_id.hex()}")
    if info["language"] == xlang.LANGUAGE_JAVA:
        return JavaActorHandle(actor_id, info["java_class"], info["max_pending_calls"],
                               info["max_task_retries"], token=info["handle_token"])
    cls = FunctionLoader().load(info["module"], info["qualname"], info["function_hash"])
    return ActorHandle(info["actor_id"], info["qualname"], method_names(cls),
                       info["max_pending_calls"], info["max_task_retries"],
                       token=info["handle_token"], signatures=method_signatures(cls),
                       method_options=method_options(cls))


def decode_handle(actor_id: bytes, language: int):
    """The handle an XLANG value carries, made from its (actor id, language)."""
    if language == xlang.LANGUAGE_JAVA:
        return JavaActorHandle._from_id(actor_id)
    return handle_from_id(actor_id)


xlang.set_decoders(object_ref=_core._rebuild_ref, actor_handle=decode_handle)
