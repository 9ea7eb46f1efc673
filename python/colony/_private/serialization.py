"""Values <-> (metadata tag, payload, nested refs), per DESIGN.md's wire formats.

PYTHON values are pickle protocol 5 with cloudpickle for functions and classes; RAW is
plain bytes; ERROR:<n> carries a failed task's error (see proto ErrorType).
"""

from __future__ import annotations

import pickle

import cloudpickle

from colony import _core
from colony import exceptions

PYTHON = b"PYTHON"
RAW = b"RAW"
ERROR_PREFIX = b"ERROR:"

# proto ErrorType values
TASK_EXECUTION_EXCEPTION = 1
WORKER_DIED = 2
TASK_CANCELLED = 3
OBJECT_LOST = 4
OWNER_DIED = 5
ACTOR_DIED = 6


class SerializationError(TypeError):
    pass


def serialize(value, purpose: str = "value") -> tuple[bytes, bytes, list]:
    """Returns (metadata, data, nested ObjectRefs). Raises TypeError naming the bad type."""
    if type(value) is bytes:
        return RAW, value, []
    _core.begin_collecting_refs()
    try:
        data = cloudpickle.dumps(value, protocol=5)
    except Exception as e:  # pickling raises many types
        raise TypeError(f"Could not serialize {purpose} of type {type(value).__name__}: {e}") from e
    finally:
        refs = _core.end_collecting_refs()
    return PYTHON, data, refs


def serialize_error(error: exceptions.TaskError) -> tuple[bytes, bytes, list]:
    try:
        data = cloudpickle.dumps(error, protocol=5)
        pickle.loads(data)  # some exceptions pickle but cannot be rebuilt (custom __init__)
    except Exception:
        # The cause itself cannot be pickled: keep its type name, message and traceback.
        data = cloudpickle.dumps(exceptions.TaskError(error.function_name, error.remote_traceback,
                                                      None, error.cause_type_name), protocol=5)
    return ERROR_PREFIX + str(TASK_EXECUTION_EXCEPTION).encode(), data, []


def deserialize(metadata: bytes, data: bytes):
    """Returns the value; for error values returns the exception instance (not raised)."""
    if metadata == PYTHON:
        return pickle.loads(data)
    if metadata == RAW:
        return data
    if metadata.startswith(ERROR_PREFIX):
        return error_from(int(metadata[len(ERROR_PREFIX):]), data)
    raise ValueError(f"cannot deserialize a value with metadata {metadata!r} in Python")


def is_error(metadata: bytes) -> bool:
    return metadata.startswith(ERROR_PREFIX)


_SYSTEM_ERRORS = {
    WORKER_DIED: exceptions.WorkerCrashedError,
    TASK_CANCELLED: exceptions.TaskCancelledError,
    OBJECT_LOST: exceptions.ObjectLostError,
    OWNER_DIED: exceptions.OwnerDiedError,
    ACTOR_DIED: exceptions.ActorDiedError,
}


def error_from(error_type: int, data: bytes) -> BaseException:
    if error_type == TASK_EXECUTION_EXCEPTION:
        err = pickle.loads(data)
        return err.as_instanceof_cause() if isinstance(err, exceptions.TaskError) else err
    cls = _SYSTEM_ERRORS.get(error_type, exceptions.ColonyError)
    return cls(data.decode("utf-8", "replace"))
