"""Errors raised by Colony. Names follow Ray's so that Ray users feel at home."""

from __future__ import annotations

import re


# How an error's cause chain is found (object id -> lines). The exceptions are a leaf
# module, so colony._private.worker registers it when colony is imported.
_cause_chain_source = None


def set_cause_chain_source(source) -> None:
    global _cause_chain_source
    _cause_chain_source = source


class ColonyError(Exception):
    """Base class of every Colony error.

    ``cause_chain``: readable lines explaining the failure from the cluster's events (what
    `colony why` prints), for an error `colony.get` raised; fetched from the GCS the first
    time it is read (docs/observability.md, "Root cause")."""

    @property
    def cause_chain(self) -> list:
        cached = self.__dict__.get("_colony_cause_chain")
        if cached is not None:
            return cached
        object_id = self.__dict__.get("_colony_object_id")
        if not object_id:
            return []
        try:
            if _cause_chain_source is None:
                raise RuntimeError("colony is not imported")
            chain = _cause_chain_source(object_id)
        except Exception as e:  # the explanation must never hide the error itself
            return [f"(no explanation: {e})"]  # not kept: a later read may find the records
        self.__dict__["_colony_cause_chain"] = chain
        return chain


class TaskError(ColonyError):
    """A task raised an exception.

    The instance `get` raises is also an instance of the original exception's type, so
    ``except ValueError`` catches a remote ``ValueError``. ``cause`` holds the original
    exception when it could be unpickled, and ``remote_traceback`` the remote traceback.
    """

    def __init__(self, function_name: str, remote_traceback: str, cause: BaseException | None = None,
                 cause_type_name: str = ""):
        self.function_name = function_name
        self.remote_traceback = remote_traceback
        self.cause = cause
        self.cause_type_name = cause_type_name or (type(cause).__name__ if cause else "")
        super().__init__(self._message())

    def _message(self) -> str:
        return (f"task {self.function_name} failed with {self.cause_type_name}:\n"
                f"{self.remote_traceback.rstrip()}")

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self):
        return (TaskError, (self.function_name, self.remote_traceback, self.cause,
                            self.cause_type_name))

    def as_instanceof_cause(self) -> "TaskError":
        """An exception that is both this TaskError and an instance of the cause's type."""
        cause_cls = type(self.cause) if self.cause is not None else None
        if cause_cls is None or issubclass(cause_cls, TaskError) or not issubclass(cause_cls, Exception):
            return self
        try:
            dual = type(f"TaskError({cause_cls.__name__})", (TaskError, cause_cls), {
                "__init__": lambda s, *a, **k: None,
                "__str__": TaskError.__str__,
                "__reduce__": TaskError.__reduce__,
            })
            err = dual.__new__(dual)
            err.__dict__.update(getattr(self.cause, "__dict__", {}))
            err.args = self.cause.args
            err.function_name = self.function_name
            err.remote_traceback = self.remote_traceback
            err.cause = self.cause
            err.cause_type_name = self.cause_type_name
            return err
        except TypeError:  # incompatible layouts (e.g. some C extension exceptions)
            return self


class WorkerCrashedError(ColonyError):
    """The worker running the task died (after `max_retries` re-runs)."""


class OutOfMemoryError(WorkerCrashedError):
    """The worker running the task went over the task's `memory=` limit and the kernel
    killed it (the worker's cgroup, docs/isolation.md). The message names the limit and the
    node. Retried like any worker death (`max_retries`)."""


class TaskCancelledError(ColonyError):
    """The task was cancelled with `colony.cancel`."""


class GetTimeoutError(ColonyError, TimeoutError):
    """`colony.get` did not finish within its timeout."""


class ObjectLostError(ColonyError):
    """The object's value is gone and cannot be re-created."""


class OwnerDiedError(ObjectLostError):
    """The process that owned the object died."""


class ObjectStoreFullError(ColonyError):
    """The shared-memory object store has no room even after eviction and spilling."""


class TaskUnschedulableError(ColonyError):
    """The task's scheduling strategy can never be met (e.g. a hard node affinity to a
    dead node)."""


class RuntimeEnvSetupError(ColonyError):
    """The task's or actor's runtime_env could not be set up: a bad key or path, a package
    pip cannot install, a working_dir over the size limit. The message says which part
    and why (docs/runtime_env.md)."""


class ActorDiedError(ColonyError):
    """The actor died. `actor_id` is its id (hex) and `why` the cause ("it was killed",
    "its owner died", "it exited: ...", "every handle to the actor was dropped", ...); both
    are read from the message, "The actor <class> (<id>) died because <why>"."""

    _MESSAGE = re.compile(r"The actor [^(]*\(([0-9a-f]{32})\) died (?:because )?(.*)", re.S)

    def __init__(self, message: str = ""):
        super().__init__(message)
        match = self._MESSAGE.search(message) if isinstance(message, str) else None
        self.actor_id = match.group(1) if match else None
        self.why = match.group(2) if match else message


class ActorRuntimeEnvSetupError(ActorDiedError, RuntimeEnvSetupError):
    """The actor died because its runtime_env could not be set up; both an ActorDiedError
    and a RuntimeEnvSetupError."""


class CrossLanguageError(ColonyError):
    """An exception raised in another language: its language, class name, message and
    formatted stack trace."""

    def __init__(self, language: str, type_name: str, message: str, remote_stack: str):
        super().__init__(f"{language} exception {type_name}: {message}\n{remote_stack}")
        self.language = language
        self.type_name = type_name
        self.message = message
        self.remote_stack = remote_stack

    def __reduce__(self):
        return CrossLanguageError, (self.language, self.type_name, self.message, self.remote_stack)


class PendingCallsLimitExceeded(ColonyError):
    """An actor handle already has max_pending_calls calls in flight."""
