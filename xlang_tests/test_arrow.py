"""Arrow data crossing between Python and Java as ARROW (docs/xlang.md), on a real cluster."""

import numpy as np
import pyarrow as pa
import pytest

import colony
from colony import _core
from colony import cross_language
from colony.exceptions import CrossLanguageError
from colony_testutil import wait_for

LARGE_ROWS = 200_000  # two float64/int64 columns: 3.2 MB, well past the inline limit


def java(name):
    return cross_language.java_function("xlang.ArrowJob", name)


def in_region(address: int, size: int = 0) -> bool:
    base, region_size = _core.shared_region()
    return base <= address and address + size <= base + region_size


def large_table():
    return pa.table({"n": np.arange(LARGE_ROWS, dtype=np.int64),
                     "x": np.linspace(0.0, 1.0, LARGE_ROWS)})


def test_a_table_goes_to_a_java_task(xlang_cluster):
    small = pa.table({"n": [1, 2, 3], "x": [0.5, 1.5, 2.0]})
    assert colony.get(java("sumColumn").remote(small, "n")) == 6
    assert colony.get(java("sumColumn").remote(small, "x")) == 4.0
    table = large_table()
    assert colony.get(java("sumColumn").remote(table, "n")) == LARGE_ROWS * (LARGE_ROWS - 1) / 2


def test_java_reads_a_large_table_in_place(xlang_cluster):
    assert colony.get(java("readInPlace").remote(large_table())) is True
    # A put table handed over by ref is read where it is, too.
    ref = colony.put(large_table())
    assert colony.get(java("readInPlace").remote(ref)) is True
    assert colony.get(java("rowCount").remote(ref)) == LARGE_ROWS


def test_a_record_batch_goes_to_a_java_actor(xlang_cluster):
    totals = cross_language.java_actor_class("xlang.ColumnTotals").remote("x")
    batch = pa.record_batch({"x": [1.0, 2.0, 3.5]})
    assert colony.get(totals.add.remote(batch)) == 3
    assert colony.get(totals.add.remote(pa.record_batch({"x": np.ones(100_000)}))) == 100_003
    assert colony.get(totals.total.remote()) == 100_006.5
    # Arguments are closed when the call returns (the large one gave its shared object back).
    assert colony.get(totals.arrowBytesHeld.remote()) == 0


def test_a_multi_chunk_table_is_read_whole(xlang_cluster):
    table = pa.concat_tables([pa.table({"n": [1, 2]}), pa.table({"n": [3, 4, 5]})])
    assert table.column("n").num_chunks == 2
    assert colony.get(java("sumColumn").remote(table, "n")) == 15
    assert colony.get(java("rowCount").remote(table)) == 5


def test_numeric_arrays_go_to_java_arrays(xlang_cluster):
    assert colony.get(java("sumDoubles").remote(np.array([0.5, 1.5, 2.0]))) == 4.0
    big = np.arange(1_000_000, dtype=np.float64)
    assert colony.get(java("sumDoubles").remote(big)) == big.sum()
    assert colony.get(java("sumLongs").remote(np.arange(10, dtype=np.int32))) == 45
    assert colony.get(java("sumLongs").remote(pa.array([1, 2, 3], pa.int64()))) == 6


def test_a_java_table_arrives_as_a_pyarrow_table(xlang_cluster):
    table = colony.get(java("halves").remote(5))
    assert isinstance(table, pa.Table)
    assert table.schema.names == ["n", "half"]
    assert table.column("n").to_pylist() == [0, 1, 2, 3, 4]
    assert table.column("half").to_pylist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_python_reads_a_large_java_table_in_place(xlang_cluster):
    table = colony.get(java("halves").remote(LARGE_ROWS))
    assert table.num_rows == LARGE_ROWS
    assert table.column("half")[LARGE_ROWS - 1].as_py() == (LARGE_ROWS - 1) / 2
    for column in table.columns:
        data = column.chunks[0].buffers()[1]
        assert in_region(data.address, data.size)


def test_a_table_makes_the_round_trip(xlang_cluster):
    table = large_table()
    assert colony.get(java("echoTable").remote(table)).equals(table)
    batch = pa.record_batch({"s": ["a", None, "ccc"], "b": [True, False, None]})
    assert colony.get(java("echoTable").remote(batch)).equals(pa.Table.from_batches([batch]))


def test_arrow_to_a_parameter_that_cannot_take_it_names_both_types(xlang_cluster):
    with pytest.raises(CrossLanguageError) as info:
        colony.get(java("length").remote(pa.table({"n": [1]})))
    message = str(info.value)
    assert "java.lang.String" in message and "VectorSchemaRoot" in message
    with pytest.raises(CrossLanguageError, match="2 columns"):
        colony.get(java("sumDoubles").remote(pa.table({"a": [1.0], "b": [2.0]})))


def test_java_gives_shared_tables_back_when_done(xlang_cluster):
    def store_objects():
        return _core.store_stats()["num_objects"]

    baseline = store_objects()
    ref = colony.put(large_table())
    assert colony.get(java("rowCount").remote(ref)) == LARGE_ROWS
    del ref
    # Deleting a put object that a reader still maps is deferred to the reader's release:
    # the count comes back only once the Java task has let go of it.
    wait_for(lambda: store_objects() == baseline, timeout=10, what="the table freed")


def test_arrow_data_inside_values_crosses_both_ways(xlang_cluster):
    """A RecordBatch or Table nested in a list or dict crosses as XLANG extension type 4
    (an Arrow IPC stream) and comes back from Java as a pyarrow Table."""
    batch = pa.record_batch({"n": [1, 2, 3], "s": ["a", None, "c"]})
    table = pa.concat_tables([pa.table({"x": [0.5]}), pa.table({"x": [1.5, 2.5]})])
    rows, held = colony.get(java("rowsInList").remote([batch, table]))
    assert rows == [3, 3]
    first = held["first"]
    assert isinstance(first, pa.Table)
    assert first.to_pydict() == {"n": [1, 2, 3], "s": ["a", None, "c"]}
