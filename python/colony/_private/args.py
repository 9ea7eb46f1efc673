"""Arguments of tasks and actor calls as they travel: refs by reference, values serialized
inline, large values put into the object store first and passed by reference."""

from __future__ import annotations

from colony import _core
from colony._private import serialization
from colony._private import worker


def inline_or_put(metadata: bytes, data, refs: list):
    """A serialized argument as it travels: inline, or (large) put first and passed by ref."""
    if serialization.size_of(data) >= _core.inline_threshold():
        return worker.put_serialized(metadata, data, refs)
    return metadata, data, refs


def pack_args(args: tuple, kwargs: dict, fn_name: str) -> tuple[list, list]:
    """Top-level ObjectRefs go by reference; other values are serialized inline, except
    large ones, which are put into the object store first and passed by reference."""
    packed = []
    for i, arg in enumerate(list(args) + list(kwargs.values())):
        if isinstance(arg, _core.ObjectRef):
            packed.append(arg)
            continue
        label = f"argument {i}" if i < len(args) else f"keyword argument {list(kwargs)[i - len(args)]!r}"
        packed.append(inline_or_put(*serialization.serialize(arg, f"{label} of {fn_name}")))
    return packed, list(kwargs)


def pack_java_args(args: tuple, kwargs: dict, fn_name: str) -> list:
    """As pack_args, for a Java method: positional only, each value in its XLANG form."""
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
