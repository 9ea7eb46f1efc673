"""The shared-memory object store: zero-copy reads, capacity, spilling, ownership."""

import os

import numpy as np
import pyarrow as pa
import pytest

import colony
from colony import _core
from colony_testutil import run_python, wait_for, wait_pids_gone

MiB = 1024 * 1024


def store_objects() -> int:
    return _core.store_stats()["num_objects"]


def wait_store_back_to(baseline: int, what: str):
    wait_for(lambda: store_objects() == baseline, timeout=10, what=what)
    assert _core.store_stats()["used_bytes"] == 0 or baseline > 0


def in_region(address: int) -> bool:
    base, size = _core.shared_region()
    return base <= address < base + size


@pytest.fixture
def store_cluster():
    colony.init(num_cpus=2, object_store_memory=256 * MiB)
    yield
    colony.shutdown()


# ---------------------------------------------------------------- placement and zero copy

def test_small_values_stay_inline_and_large_ones_go_to_the_store(store_cluster):
    assert _core.inline_threshold() == 100 * 1024
    small = colony.put(b"x" * (50 * 1024))
    assert store_objects() == 0
    large = colony.put(b"x" * (200 * 1024))
    assert store_objects() == 1
    assert colony.get(small) == b"x" * (50 * 1024)
    assert colony.get(large) == b"x" * (200 * 1024)


def test_numpy_get_maps_the_shared_bytes_read_only(store_cluster):
    array = np.arange(1_000_000, dtype=np.int64)
    ref = colony.put(array)
    got = colony.get(ref)
    np.testing.assert_array_equal(got, array)
    assert in_region(got.ctypes.data)
    assert not got.flags.writeable
    with pytest.raises(ValueError):
        got[0] = 1

    @colony.remote
    def where(x):
        base, _ = _core.shared_region()
        return x.ctypes.data - base, x.flags.writeable

    # Another process on the node sees the same bytes at the same place in the region.
    base, _ = _core.shared_region()
    assert colony.get(where.remote(ref)) == (got.ctypes.data - base, False)


def test_arrow_values_are_zero_copy(store_cluster):
    array = pa.array(np.arange(500_000, dtype=np.int64))
    got = colony.get(colony.put(array))
    assert got.equals(array)
    assert in_region(got.buffers()[1].address)
    table = pa.table({"a": np.arange(100_000), "b": np.ones(100_000)})
    got_table = colony.get(colony.put(table))
    assert got_table.equals(table)
    assert in_region(got_table.column("b").chunks[0].buffers()[1].address)


def test_arrow_tables_and_batches_are_stored_as_arrow_streams(store_cluster):
    from colony._private import serialization
    batch = pa.record_batch({"x": np.arange(50_000, dtype=np.float64)})
    assert serialization.serialize(batch)[0] == serialization.ARROW
    got = colony.get(colony.put(batch))  # read back as a Table (docs/xlang.md)
    assert isinstance(got, pa.Table) and got.to_batches()[0].equals(batch)
    assert in_region(got.column("x").chunks[0].buffers()[1].address)
    small = pa.table({"s": ["a", None]})
    assert colony.get(colony.put(small)).equals(small)


def test_large_task_arguments_and_returns_go_through_the_store(store_cluster):
    @colony.remote
    def double(x):
        return x * 2

    data = np.ones(300_000)
    out = colony.get(double.remote(data))
    assert in_region(out.ctypes.data)
    assert out.sum() == 600_000
    del out
    wait_store_back_to(0, "the argument and the return freed")


def test_values_with_arrays_and_refs_inside(store_cluster):
    inner = colony.put(np.zeros(10))
    value = {"weights": np.full(200_000, 3.0), "ref": inner, "name": "model"}
    got = colony.get(colony.put(value))
    assert got["name"] == "model" and got["weights"][5] == 3.0
    np.testing.assert_array_equal(colony.get(got["ref"]), np.zeros(10))


# ---------------------------------------------------------------- capacity

def test_spills_when_full_and_restores_on_get():
    colony.init(num_cpus=1, object_store_memory=64 * MiB)
    try:
        refs = [colony.put(np.full(20 * MiB // 8, i, dtype=np.int64)) for i in range(6)]
        stats = _core.store_stats()
        assert stats["total_spilled"] >= 2
        for i in range(len(refs)):
            got = colony.get(refs[i])
            assert got[0] == i and got[-1] == i
            del got
        assert _core.store_stats()["total_restored"] >= 2
        del refs
        wait_store_back_to(0, "spilled objects freed")
        assert _core.store_stats()["num_spilled"] == 0
    finally:
        colony.shutdown()


def test_full_store_raises_object_store_full_error_naming_sizes():
    colony.init(num_cpus=1, object_store_memory=32 * MiB)
    try:
        with pytest.raises(colony.exceptions.ObjectStoreFullError) as info:
            colony.put(np.zeros(40 * MiB // 8))
        assert "bytes" in str(info.value) and str(32 * MiB) in str(info.value)
        # Values being read cannot be spilled: with all memory held, a put must fail cleanly.
        held = [colony.get(colony.put(np.zeros(10 * MiB // 8))) for _ in range(3)]
        with pytest.raises(colony.exceptions.ObjectStoreFullError):
            colony.put(np.zeros(10 * MiB // 8))
        del held
        colony.put(np.zeros(10 * MiB // 8))  # room again once the readers let go
    finally:
        colony.shutdown()


def test_a_spilled_object_read_while_the_store_is_full_waits_for_room():
    """A spilled copy that cannot be restored for lack of room is still there: the read
    waits (or times out) instead of declaring the object lost."""
    colony.init(num_cpus=1, object_store_memory=64 * MiB)
    try:
        spilled = colony.put(np.full(30 * MiB // 8, 7, dtype=np.int64))
        held = colony.get(colony.put(np.full(30 * MiB // 8, 8, dtype=np.int64)))
        held_too = colony.get(colony.put(np.full(30 * MiB // 8, 9, dtype=np.int64)))
        assert _core.store_stats()["num_spilled"] >= 1
        # Both in-memory objects are held by views: nothing can make room to restore.
        with pytest.raises(colony.exceptions.GetTimeoutError):
            colony.get(spilled, timeout=1)
        del held, held_too  # the views let go: the restore finds room
        got = colony.get(spilled, timeout=60)
        assert got[0] == 7 and got[-1] == 7
    finally:
        colony.shutdown()


# ---------------------------------------------------------------- ownership

def test_store_usage_returns_to_baseline_after_refs_are_dropped(store_cluster):
    @colony.remote
    def make(n):
        return np.ones(n)

    @colony.remote
    def make_many():
        return [colony.put(np.zeros(50_000)) for _ in range(3)]

    refs = [colony.put(np.ones(100_000)) for _ in range(3)] + [make.remote(100_000)]
    colony.get(refs[-1])
    nested = colony.get(make_many.remote())  # objects owned by the worker, borrowed here
    assert [colony.get(r).shape for r in nested] == [(50_000,)] * 3
    assert store_objects() == 7
    del refs, nested
    wait_store_back_to(0, "every object freed")


def test_borrowed_ref_keeps_the_object_alive_until_the_borrower_drops_it(store_cluster):
    @colony.remote
    class Holder:
        def hold(self, refs):
            self.refs = refs
            return True

        def total(self):
            return float(colony.get(self.refs[0]).sum())

        def drop(self):
            self.refs = None
            return True

    holder = Holder.remote()
    ref = colony.put(np.ones(200_000))
    assert colony.get(holder.hold.remote([ref]))  # nested: the actor becomes a borrower
    del ref
    assert store_objects() == 1
    assert colony.get(holder.total.remote()) == 200_000.0
    assert store_objects() == 1
    assert colony.get(holder.drop.remote())
    wait_store_back_to(0, "the borrower dropped the last ref")


def test_a_dead_borrower_stops_holding_the_object(store_cluster):
    @colony.remote
    class Holder:
        def hold(self, refs):
            self.refs = refs
            return True

    holder = Holder.remote()
    ref = colony.put(np.ones(200_000))
    assert colony.get(holder.hold.remote([ref]))
    del ref
    assert store_objects() == 1
    colony.kill(holder)
    wait_store_back_to(0, "the owner noticed its borrower died")


def test_owner_death_makes_get_raise_owner_died(store_cluster):
    @colony.remote
    class Maker:
        def make(self):
            self.ref = colony.put(np.ones(200_000))
            return [self.ref]

        def pid(self):
            return os.getpid()

    maker = Maker.remote()
    [ref] = colony.get(maker.make.remote())
    pid = colony.get(maker.pid.remote())
    colony.kill(maker)
    # The rule: once the owner's process is gone, a borrower's get raises OwnerDiedError.
    # Until then the owner may still serve the value (kill() does not wait for the exit).
    assert wait_pids_gone([pid], timeout=30) == [], "the killed owner did not exit"
    with pytest.raises(colony.exceptions.OwnerDiedError):
        colony.get(ref, timeout=20)
    wait_store_back_to(0, "the dead owner's objects freed")


def test_lost_copy_is_reconstructed_from_lineage(store_cluster, tmp_path):
    counter = tmp_path / "runs"

    @colony.remote(max_retries=2)
    def produce(path):
        with open(path, "a") as f:
            f.write("x")
        return np.arange(200_000)

    ref = produce.remote(str(counter))
    assert colony.get(ref)[-1] == 199_999
    _core.delete_shared_copy(ref)  # as if the node holding it had lost it
    assert colony.get(ref, timeout=30)[-1] == 199_999
    assert counter.read_text() == "xx"


def test_lost_copy_without_retries_raises_object_lost(store_cluster):
    @colony.remote(max_retries=0)
    def produce():
        return np.arange(200_000)

    ref = produce.remote()
    colony.get(ref)
    _core.delete_shared_copy(ref)
    with pytest.raises(colony.exceptions.ObjectLostError) as info:
        colony.get(ref, timeout=30)
    assert "max_retries" in str(info.value) or "lineage" in str(info.value)


def test_put_objects_are_not_reconstructable(store_cluster):
    ref = colony.put(np.ones(200_000))
    _core.delete_shared_copy(ref)
    with pytest.raises(colony.exceptions.ObjectLostError):
        colony.get(ref, timeout=30)


def test_inline_threshold_is_configurable_per_cluster():
    colony.init(num_cpus=1, _system_config={"max_inline_object_bytes": 0})
    try:
        @colony.remote
        def threshold():
            return _core.inline_threshold()

        ref = colony.put(0)
        assert _core.store_stats()["num_objects"] == 1
        assert colony.get(ref) == 0
        assert colony.get(threshold.remote()) == 0
    finally:
        colony.shutdown()
    with pytest.raises(ValueError, match="unknown _system_config key 'inline'"):
        colony.init(_system_config={"inline": 1})


def test_inline_threshold_is_configurable_by_environment():
    result = run_python(
        "import colony, numpy as np\n"
        "from colony import _core\n"
        "colony.init(num_cpus=1)\n"
        "ref = colony.put(np.ones(1000))\n"
        "print(_core.inline_threshold(), _core.store_stats()['num_objects'])\n"
        "colony.shutdown()\n",
        env={**os.environ, "COLONY_MAX_INLINE_OBJECT_BYTES": "1024"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1024", "1"]
