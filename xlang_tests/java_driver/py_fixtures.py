"""Python code the Java driver of test_java_to_python.py calls by module and name."""


def add(a, b):
    return a + b


def echo(value):
    return value


def fail(message):
    raise ValueError(message)


class Counter:
    def __init__(self, start):
        self.value = start

    def increment(self, n):
        self.value += n
        return self.value


def describe_table(table):
    """What Python sees of an Arrow table a Java driver put: rows, sum of "n", and whether
    the column's data lies in this process's mapping of the shared-memory store."""
    from colony import _core
    data = table.column("n").chunks[0].buffers()[1]
    base, size = _core.shared_region()
    in_place = base <= data.address and data.address + data.size <= base + size
    return {"rows": table.num_rows, "total": sum_column(table, "n"), "in_place": in_place}


def sum_column(table, name):
    import pyarrow.compute as pc
    return pc.sum(table.column(name)).as_py()


def make_table(rows):
    import numpy as np
    import pyarrow as pa
    return pa.table({"n": np.arange(rows), "x": np.arange(rows) / 2})


def arange(n):
    import numpy as np
    return np.arange(n, dtype=np.float64)


def describe(value):
    """The Python type and repr of a value a Java driver put (PutForPython)."""
    return f"{type(value).__name__}:{value!r}"


def total(values):
    return sum(values)


def total_of_refs(refs):
    import colony
    return sum(sum(colony.get(ref)) for ref in refs)
