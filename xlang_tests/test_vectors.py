"""XLANG test vectors: Python writes its encodings, and decodes Java's (docs/xlang.md)."""

import math
import os

import pytest

from colony._private import xlang

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")

EXPECTED = {
    "null": None,
    "true": True,
    "false": False,
    "int_small": 7,
    "int_negative": -123456,
    "int_64max": 9223372036854775807,
    "int_64min": -9223372036854775808,
    "uint_64max": 18446744073709551615,
    "big_positive": 2 ** 100,
    "big_negative": -(2 ** 100) - 7,
    "float": 3.25,
    "float_large": 1e300,
    "string_ascii": "hello",
    "string_unicode": "héllo wörld ✓ 日本",
    "string_empty": "",
    "bytes": b"\x00\x01\xff",
    "bytes_empty": b"",
    "list_mixed": [1, "two", 3.5, None, True, b"x"],
    "list_nested": [[1, 2], [], [[3]]],
    "list_empty": [],
    "map_str_keys": {"a": 1, "b": [1, 2]},
    "map_int_keys": {1: "one", 2: "two"},
    "map_nested": {"outer": {"inner": {"x": None}}},
    "map_empty": {},
}


def same(a, b) -> bool:
    """Equality that also tells bool from int and float from int."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return (len(a) == len(b) and all(same(k1, k2) and same(a[k1], b[k2])
                                         for k1, k2 in zip(a, b)))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_python_writes_and_reads_its_own_vector(name):
    data = xlang.dumps(EXPECTED[name])
    os.makedirs(os.path.join(VECTORS, "python"), exist_ok=True)
    path = os.path.join(VECTORS, "python", f"{name}.bin")
    if os.path.exists(path):
        with open(path, "rb") as f:
            assert f.read() == data, f"the checked-in python/{name}.bin no longer matches"
    else:
        with open(path, "wb") as f:
            f.write(data)
    assert same(xlang.loads(data), EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_python_decodes_the_java_vector(name):
    path = os.path.join(VECTORS, "java", f"{name}.bin")
    assert os.path.exists(path), f"java/{name}.bin is missing (the Java suite writes it)"
    with open(path, "rb") as f:
        decoded = xlang.loads(f.read())
    assert same(decoded, EXPECTED[name]), f"{name}: {decoded!r}"


def test_values_without_a_cross_language_form_are_refused_with_their_type():
    class Point:
        pass

    with pytest.raises(TypeError, match=r"Point.*|.*JAVA"):
        xlang.dumps({"p": Point()}, "argument 0 of f", "JAVA")


def test_unknown_extension_types_are_refused():
    import msgpack
    with pytest.raises(ValueError, match="unknown extension type 9"):
        xlang.loads(msgpack.packb(msgpack.ExtType(9, b"")))


# ARROW vectors: Arrow writers differ in padding and metadata, so each side checks values.
def arrow_table():
    import pyarrow as pa
    return pa.table({"n": pa.array([1, -2, None], pa.int64()),
                     "x": pa.array([0.5, -1.25, 1e300], pa.float64()),
                     "s": pa.array(["a", "héllo", None], pa.string()),
                     "b": pa.array([True, False, None], pa.bool_())})


ARROW_VALUES = [1.5, 2.5, 3.0]


def arrow_vectors():
    """name -> (value Python sends, table any reader gets back)."""
    import numpy as np
    import pyarrow as pa
    return {"arrow_table": (arrow_table(), arrow_table()),
            "arrow_values": (np.array(ARROW_VALUES), pa.table({"values": ARROW_VALUES}))}


@pytest.mark.parametrize("name", ["arrow_table", "arrow_values"])
def test_python_writes_and_reads_its_own_arrow_vector(name):
    from colony._private import serialization
    sent, expected = arrow_vectors()[name]
    metadata, payload, _ = serialization.serialize_xlang(sent, "argument 0 of f", "JAVA")
    assert metadata == serialization.ARROW
    data = payload.to_bytes()
    path = os.path.join(VECTORS, "python", f"{name}.bin")
    if not os.path.exists(path):  # checked in; pyarrow versions may pad differently
        with open(path, "wb") as f:
            f.write(data)
    with open(path, "rb") as f:
        assert serialization.deserialize(metadata, f.read()).equals(expected)
    assert serialization.deserialize(metadata, data).equals(expected)


@pytest.mark.parametrize("name", ["arrow_table", "arrow_values"])
def test_python_decodes_the_java_arrow_vector(name):
    from colony._private import serialization
    path = os.path.join(VECTORS, "java", f"{name}.bin")
    assert os.path.exists(path), f"java/{name}.bin is missing (the Java suite writes it)"
    with open(path, "rb") as f:
        decoded = serialization.deserialize(serialization.ARROW, f.read())
    assert decoded.equals(arrow_vectors()[name][1]), f"{name}: {decoded}"
