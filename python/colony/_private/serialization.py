"""Values <-> (metadata tag, payload, nested refs), per DESIGN.md's wire formats.

PYTHON values are pickle protocol 5 with cloudpickle for functions and classes; RAW is
plain bytes; ERROR:<n> carries a failed task's error (see proto ErrorType).

PYTHON_OOB is pickle 5 with out-of-band buffers (numpy arrays, Arrow buffers, ...) laid
out in one frame, so that a reader of a shared-memory object gets arrays that point into
the shared bytes instead of copies:

    u64 inband_size | u32 num_buffers | num_buffers x (u64 offset, u64 size)
    | pickle bytes | each buffer at a 64-byte aligned offset from the frame's start

ARROW is an Arrow IPC stream (docs/xlang.md): pyarrow Tables and RecordBatches always, and
1-D numeric numpy arrays and pyarrow Arrays when they go to Java. It is read back as a
pyarrow.Table whose buffers point into the shared-memory object when the value lives there.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys

import cloudpickle

from colony import _core
from colony import exceptions

PYTHON = b"PYTHON"
PYTHON_OOB = b"PYTHON_OOB"
XLANG = b"XLANG"
ARROW = b"ARROW"
RAW = b"RAW"
JAVA = b"JAVA"  # Java's Fory bytes: never read here
XLANG_ERROR = b"ERROR:1:XLANG"
ERROR_PREFIX = b"ERROR:"

# proto ErrorType values
TASK_EXECUTION_EXCEPTION = 1
WORKER_DIED = 2
TASK_CANCELLED = 3
OBJECT_LOST = 4
OWNER_DIED = 5
ACTOR_DIED = 6
OBJECT_STORE_FULL = 7
TASK_UNSCHEDULABLE = 8
OUT_OF_MEMORY = 16
RUNTIME_ENV_SETUP_FAILED = 15


_PLAIN_TYPES = (dict, list, str, int, float, bool, type(None))
_ALIGN = 64
_HEADER = struct.Struct("<QI")
_ENTRY = struct.Struct("<QQ")


class SerializationError(TypeError):
    pass


class Framed:
    """A PYTHON_OOB payload before it is written: pickle bytes plus raw buffers."""

    __slots__ = ("header", "inband", "buffers", "offsets", "nbytes")

    def __init__(self, inband: bytes, buffers: list):
        self.inband = inband
        self.buffers = [memoryview(b).cast("B") for b in buffers]
        pos = _HEADER.size + _ENTRY.size * len(self.buffers) + len(inband)
        self.offsets = []
        for b in self.buffers:
            pos = (pos + _ALIGN - 1) // _ALIGN * _ALIGN
            self.offsets.append(pos)
            pos += b.nbytes
        self.nbytes = pos
        entries = b"".join(_ENTRY.pack(o, b.nbytes) for o, b in zip(self.offsets, self.buffers))
        self.header = _HEADER.pack(len(inband), len(self.buffers)) + entries

    def parts(self) -> list:
        """(offset, bytes-like) pieces; the gaps between them are padding."""
        out = [(0, self.header), (len(self.header), self.inband)]
        out.extend(zip(self.offsets, self.buffers))
        return out

    def to_bytes(self) -> bytes:
        frame = bytearray(self.nbytes)
        for offset, part in self.parts():
            frame[offset:offset + len(part)] = part
        return bytes(frame)


# The one column of the record batch a 1-D array crosses to Java as.
ARROW_ARRAY_COLUMN = "values"


class ArrowStream:
    """An ARROW payload before it is written: the IPC stream of record batches, sized up
    front so that it can be written straight into a shared-memory object."""

    __slots__ = ("schema", "batches", "nbytes")

    def __init__(self, schema, batches: list):
        import pyarrow as pa
        self.schema = schema
        self.batches = batches
        sizer = pa.MockOutputStream()  # counts bytes, copies none
        self._write(sizer)
        self.nbytes = sizer.size()

    def _write(self, sink):
        import pyarrow as pa
        with pa.ipc.new_stream(sink, self.schema) as writer:
            for batch in self.batches:
                writer.write_batch(batch)

    def write_into(self, target) -> None:
        """Writes the stream into `target`, a writable buffer of exactly `nbytes` bytes."""
        import pyarrow as pa
        sink = pa.FixedSizeBufferWriter(pa.py_buffer(target))
        sink.set_memcopy_threads(_MEMCOPY_THREADS)
        self._write(sink)

    def to_bytes(self) -> bytes:
        import pyarrow as pa
        sink = pa.BufferOutputStream()
        self._write(sink)
        return sink.getvalue().to_pybytes()


# FixedSizeBufferWriter copies large writes with this many threads, as CopyLarge splits
# big copies of other values.
_MEMCOPY_THREADS = min(4, os.cpu_count() or 1)


def _arrow_stream(value):
    """An ArrowStream for a pyarrow Table or RecordBatch, else None (pyarrow not imported
    means the value cannot be one)."""
    pa = sys.modules.get("pyarrow")
    if pa is None:
        return None
    if isinstance(value, pa.Table):
        return ArrowStream(value.schema, value.to_batches())
    if isinstance(value, pa.RecordBatch):
        return ArrowStream(value.schema, [value])
    return None


def _numeric_array_stream(value):
    """An ArrowStream of a one-column batch for a 1-D numeric numpy array or pyarrow
    Array, else None."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "iuf":
            return None
        import pyarrow as pa
        return _one_column(pa, pa.array(value))  # zero-copy for contiguous arrays
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(value, pa.Array):
        if not (pa.types.is_integer(value.type) or pa.types.is_floating(value.type)):
            return None
        return _one_column(pa, value)
    return None


def _one_column(pa, array):
    batch = pa.RecordBatch.from_arrays([array], names=[ARROW_ARRAY_COLUMN])
    return ArrowStream(batch.schema, [batch])


def size_of(data) -> int:
    return len(data) if isinstance(data, (bytes, bytearray)) else data.nbytes


def _contiguous(buffer: pickle.PickleBuffer):
    try:
        return buffer.raw()
    except BufferError:  # a non-contiguous array: pickle copies it into the stream instead
        return None


def serialize(value, purpose: str = "value") -> tuple[bytes, object, list]:
    """Returns (metadata, data, nested ObjectRefs); data is bytes or a Framed value.
    Raises TypeError naming the bad type."""
    if type(value) is bytes:
        return RAW, value, []
    if type(value) in _PLAIN_TYPES:
        # Plain data goes as XLANG: it reads the same here and in Java (a value Python
        # produces may be passed by ref to Java code), and msgpack is faster than pickle.
        from colony._private import xlang
        _core.begin_collecting_refs()
        try:
            data = xlang.try_dumps(value)
        finally:
            refs = _core.end_collecting_refs()
        if data is not None:
            return XLANG, data, refs
    arrow = _arrow_stream(value)
    if arrow is not None:
        return ARROW, arrow, []
    buffers = []

    def take_out_of_band(buffer: pickle.PickleBuffer):
        raw = _contiguous(buffer)
        if raw is None:
            return True  # serialize in-band
        buffers.append(raw)
        return False

    _core.begin_collecting_refs()
    try:
        data = cloudpickle.dumps(value, protocol=5, buffer_callback=take_out_of_band)
    except Exception as e:  # pickling raises many types
        raise TypeError(f"Could not serialize {purpose} of type {type(value).__name__}: {e}") from e
    finally:
        refs = _core.end_collecting_refs()
    if not buffers:
        return PYTHON, data, refs
    return PYTHON_OOB, Framed(data, buffers), refs


def serialize_xlang(value, purpose: str, target: str, role: str = "argument") -> tuple:
    """(XLANG, bytes, nested refs) for a value going to `target`'s code; bytes stay RAW,
    Arrow data and 1-D numeric arrays go as ARROW. Raises TypeError naming the type with no
    cross-language form and the target."""
    if type(value) is bytes:
        return RAW, value, []
    arrow = _arrow_stream(value) or _numeric_array_stream(value)
    if arrow is not None:
        return ARROW, arrow, []
    from colony._private import xlang
    _core.begin_collecting_refs()
    try:
        data = xlang.dumps(value, purpose, target)
    finally:
        refs = _core.end_collecting_refs()
    return XLANG, data, refs


def serialize_xlang_error(error: BaseException, stack: str) -> tuple:
    from colony._private import xlang
    payload = {"language": "PYTHON", "type": f"{type(error).__module__}.{type(error).__qualname__}",
               "message": str(error), "stack": stack}
    return XLANG_ERROR, xlang.dumps(payload), []


def _loads_framed(data):
    view = memoryview(data).cast("B")
    inband_size, count = _HEADER.unpack_from(view, 0)
    buffers = []
    for i in range(count):
        offset, size = _ENTRY.unpack_from(view, _HEADER.size + i * _ENTRY.size)
        buffers.append(view[offset:offset + size])
    start = _HEADER.size + count * _ENTRY.size
    return pickle.loads(view[start:start + inband_size], buffers=buffers)


def serialize_error(error: exceptions.TaskError) -> tuple[bytes, bytes, list]:
    try:
        data = cloudpickle.dumps(error, protocol=5)
        pickle.loads(data)  # some exceptions pickle but cannot be rebuilt (custom __init__)
    except Exception:
        # The cause itself cannot be pickled: keep its type name, message and traceback.
        data = cloudpickle.dumps(exceptions.TaskError(error.function_name, error.remote_traceback,
                                                      None, error.cause_type_name), protocol=5)
    return ERROR_PREFIX + str(TASK_EXECUTION_EXCEPTION).encode(), data, []


def deserialize(metadata: bytes, data):
    """Returns the value; for error values returns the exception instance (not raised).
    `data` is bytes, or a read-only memoryview of a shared-memory object."""
    if metadata == PYTHON:
        return pickle.loads(data)
    if metadata == PYTHON_OOB:
        return _loads_framed(data)
    if metadata == RAW:
        return bytes(data)
    if metadata == XLANG:
        from colony._private import xlang
        return xlang.loads(data)
    if metadata == ARROW:
        return _read_arrow(data)
    if metadata == XLANG_ERROR:
        from colony._private import xlang
        fields = xlang.loads(data)
        return exceptions.CrossLanguageError(fields.get("language", "?"), fields.get("type", "?"),
                                             fields.get("message", ""), fields.get("stack", ""))
    if metadata.startswith(ERROR_PREFIX):
        return error_from(int(metadata[len(ERROR_PREFIX):]), data)
    if metadata == JAVA:
        raise ValueError(
            "cannot deserialize a value with metadata b'JAVA' in Python: a Java object with no "
            "language-neutral form, readable in Java only (Java stores as XLANG null, Boolean, "
            "Long, Double, String, byte[], ObjectRef, ActorHandle and lists/maps of them; "
            "Integer, Float, arrays, sets and user classes stay JAVA: docs/xlang.md)")
    raise ValueError(f"cannot deserialize a value with metadata {metadata!r} in Python")


def _read_arrow(data):
    """A pyarrow.Table over `data`'s memory: for a shared object, the table's buffers keep
    the memoryview, and with it the object, alive."""
    import pyarrow as pa
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def is_error(metadata: bytes) -> bool:
    return metadata.startswith(ERROR_PREFIX)


_SYSTEM_ERRORS = {
    WORKER_DIED: exceptions.WorkerCrashedError,
    TASK_CANCELLED: exceptions.TaskCancelledError,
    OBJECT_LOST: exceptions.ObjectLostError,
    OWNER_DIED: exceptions.OwnerDiedError,
    ACTOR_DIED: exceptions.ActorDiedError,
    OBJECT_STORE_FULL: exceptions.ObjectStoreFullError,
    TASK_UNSCHEDULABLE: exceptions.TaskUnschedulableError,
    OUT_OF_MEMORY: exceptions.OutOfMemoryError,
    RUNTIME_ENV_SETUP_FAILED: exceptions.RuntimeEnvSetupError,
}


def error_from(error_type: int, data: bytes) -> BaseException:
    if error_type == TASK_EXECUTION_EXCEPTION:
        err = pickle.loads(data)
        return err.as_instanceof_cause() if isinstance(err, exceptions.TaskError) else err
    cls = _SYSTEM_ERRORS.get(error_type, exceptions.ColonyError)
    message = bytes(data).decode("utf-8", "replace")
    if cls is exceptions.ActorDiedError and "RuntimeEnvSetupError:" in message:
        cls = exceptions.ActorRuntimeEnvSetupError  # the GCS names the cause in the message
    return cls(message)
