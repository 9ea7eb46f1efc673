import os
import sys

import pytest

import colony

# Make the helper module importable from every test file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def cluster():
    """A fresh local cluster (GCS + raylet, 2 CPUs) per test."""
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


@pytest.fixture(scope="module")
def shared_cluster():
    """One local cluster for a whole test module (faster for read-only tests)."""
    colony.init(num_cpus=2, resources={"custom": 2})
    yield
    colony.shutdown()


@pytest.fixture(autouse=True)
def _no_leftover_driver(request):
    """A test that forgets colony.shutdown() must not poison the next one (a module's
    shared_cluster is left alone)."""
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
