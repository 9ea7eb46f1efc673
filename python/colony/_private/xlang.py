"""The XLANG value format: MessagePack plus four extension types (docs/xlang.md).

Values that cross between Python and Java use it: arguments of calls to the other language,
return values for callers of the other language, and errors that cross.

The codec knows no API classes. An actor handle encodes itself: its class has a method
`__colony_xlang_handle__()` returning (actor id, LANGUAGE_*). Decoding makes refs and handles
through factories that the layer owning those classes registers with `set_decoders`
(colony._private.handles does, when the package is imported).
"""

from __future__ import annotations

import sys

import msgpack

from colony import _core

EXT_BIG_INT = 1
EXT_OBJECT_REF = 2
EXT_ACTOR_HANDLE = 3
EXT_ARROW = 4   # an Arrow IPC stream: a pyarrow Table or RecordBatch inside a value

LANGUAGE_PYTHON = 0
LANGUAGE_JAVA = 1
LANGUAGE_NAMES = {LANGUAGE_PYTHON: "PYTHON", LANGUAGE_JAVA: "JAVA"}

_INT64_MIN = -(1 << 63)
_UINT64_MAX = (1 << 64) - 1


class XlangTypeError(TypeError):
    """A value has no XLANG form."""


def _big_int_bytes(n: int) -> bytes:
    length = (n + (n < 0)).bit_length() // 8 + 1
    return n.to_bytes(length, "big", signed=True)


def _handle_fields(value):
    """(actor id, language) if `value` is an actor handle (has the encode protocol), else None."""
    encode = getattr(type(value), "__colony_xlang_handle__", None)
    return None if encode is None else encode(value)


def _default(value):
    """msgpack calls this for values it cannot pack itself, ints beyond 64 bits included
    (msgpack >= 1.0), so big ints cost nothing unless they occur."""
    if isinstance(value, int) and not isinstance(value, bool):
        return msgpack.ExtType(EXT_BIG_INT, _big_int_bytes(value))
    if isinstance(value, _core.ObjectRef):
        refs = _core.current_collected_refs()
        if refs is not None:
            refs.append(value)
        return msgpack.ExtType(EXT_OBJECT_REF, msgpack.packb(
            [value.binary(), value.owner_address()], use_bin_type=True))
    handle = _handle_fields(value)
    if handle is not None:
        actor_id, language = handle
        return msgpack.ExtType(EXT_ACTOR_HANDLE, msgpack.packb(
            [actor_id, language], use_bin_type=True))
    stream = _arrow_ipc(value)
    if stream is not None:
        return msgpack.ExtType(EXT_ARROW, stream)
    raise XlangTypeError(type(value))


def _arrow_ipc(value):
    """The Arrow IPC stream of a pyarrow Table or RecordBatch, else None (no pyarrow
    imported means the value cannot be one)."""
    pa = sys.modules.get("pyarrow")
    if pa is None or not isinstance(value, (pa.Table, pa.RecordBatch)):
        return None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, value.schema) as writer:
        if isinstance(value, pa.Table):
            writer.write_table(value)
        else:
            writer.write_batch(value)
    return sink.getvalue().to_pybytes()


def dumps(value, purpose: str = "value", target: str = "JAVA") -> bytes:
    """Encodes `value`; raises TypeError naming the first value with no XLANG form."""
    try:
        return msgpack.packb(value, default=_default, use_bin_type=True)
    except XlangTypeError as e:
        bad = e.args[0]
        raise TypeError(f"cannot pass {purpose} to a {target} function: a value of type "
                        f"{bad.__module__}.{bad.__qualname__} has no cross-language (XLANG) "
                        "form; use None, bool, int, float, str, bytes, list, dict, ObjectRef, "
                        "an actor handle or a pyarrow Table/RecordBatch") from None
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"cannot pass {purpose} to a {target} function: {e}") from None


def _strict_default(value):
    """For try_dumps: refs and handles only; anything else keeps its Python type by pickling."""
    if isinstance(value, _core.ObjectRef) or _handle_fields(value) is not None:
        return _default(value)
    raise XlangTypeError(type(value))


def try_dumps(value):
    """XLANG bytes if `value` is made only of exact XLANG types (no tuples, no subclasses,
    ints within 64 bits), so that it round-trips to the very same Python value; else None."""
    try:
        return msgpack.packb(value, default=_strict_default, use_bin_type=True, strict_types=True)
    except (XlangTypeError, OverflowError, TypeError, ValueError):
        return None


# Factories for decoded refs and handles: (object id, owner address) -> ObjectRef and
# (actor id, language) -> handle. Set by set_decoders.
_decode_object_ref = None
_decode_actor_handle = None


def set_decoders(*, object_ref, actor_handle) -> None:
    """Registers how decoded refs and actor handles are made (called once, at package import)."""
    global _decode_object_ref, _decode_actor_handle
    _decode_object_ref = object_ref
    _decode_actor_handle = actor_handle


def _no_decoder(what: str):
    raise RuntimeError(f"XLANG value holds {what}, but no decoder is registered for it "
                       "(import colony first)")


def _ext_hook(code: int, data: bytes):
    if code == EXT_BIG_INT:
        return int.from_bytes(data, "big", signed=True)
    if code == EXT_OBJECT_REF:
        object_id, owner = msgpack.unpackb(data, raw=False)
        if _decode_object_ref is None:
            _no_decoder("an ObjectRef")
        return _decode_object_ref(object_id, owner)
    if code == EXT_ACTOR_HANDLE:
        actor_id, language = msgpack.unpackb(data, raw=False)
        if _decode_actor_handle is None:
            _no_decoder("an actor handle")
        return _decode_actor_handle(actor_id, language)
    if code == EXT_ARROW:
        import pyarrow as pa
        try:
            return pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        except pa.ArrowInvalid as e:
            raise ValueError(f"XLANG value holds an Arrow stream (extension type 4) that "
                             f"cannot be read: {e}") from None
    raise ValueError(f"XLANG value has an unknown extension type {code}")


def loads(data):
    return msgpack.unpackb(bytes(data) if isinstance(data, memoryview) else data, raw=False,
                           ext_hook=_ext_hook, strict_map_key=False, use_list=True)
