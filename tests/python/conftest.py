import os
import sys

import pytest

import colony
from colony._private import worker as _worker
from colony._private.function_manager import FunctionExporter

# Make the helper module importable from every test file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _reset_function_cache():
    # Test isolation: FunctionExporter caches exports by id(fn) for the life of the process,
    # even across shutdown()/init() (a new, empty GCS), so a remote function used with an
    # earlier test's cluster is never exported to the next cluster ("unknown function ...
    # never exported"). That Colony bug has its own failing tests
    # (test_init.py::test_shutdown_then_init_again_gives_a_new_cluster,
    # test_tasks.py::test_distinct_functions_never_mix_up); resetting the cache between
    # clusters keeps it from cascading into every other test. Remove once it is fixed.
    if not colony.is_initialized():
        _worker.state.exporter = FunctionExporter()


@pytest.fixture
def cluster():
    """A fresh local cluster (GCS + raylet, 2 CPUs) per test."""
    _reset_function_cache()
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@pytest.fixture(scope="module")
def shared_cluster():
    """One local cluster for a whole test module (faster for read-only tests)."""
    _reset_function_cache()
    colony.init(num_cpus=2, resources={"custom": 2})
    yield
    colony.shutdown()


@pytest.fixture(autouse=True)
def _no_leftover_driver(request):
    """A test that forgets colony.shutdown() must not poison the next one (a module's
    shared_cluster is left alone)."""
    _reset_function_cache()
    initialized_before = colony.is_initialized()
    yield
    if (colony.is_initialized() and not initialized_before
            and "shared_cluster" not in request.fixturenames):
        colony.shutdown()
    if not colony.is_initialized():
        # Every GCS/raylet this process started must be gone once no cluster is up.
        from colony_testutil import child_pids, pid_alive, process_cmdline
        leftover = [(p, process_cmdline(p)) for p in child_pids(os.getpid())
                    if pid_alive(p) and ("colony-gcs" in process_cmdline(p)
                                         or "colony-raylet" in process_cmdline(p))]
        assert not leftover, f"processes left running after the test: {leftover}"
