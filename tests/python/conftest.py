import os
import sys

import pytest

import colony


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
