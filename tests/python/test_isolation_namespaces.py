"""Namespaces between jobs (docs/isolation.md): two driver processes see each other's named
actors only when they share a namespace; a driver naming none gets an anonymous namespace
of its own, as in Ray. A handle, once obtained (by naming the other namespace, or passed
in an object), is a capability: it can call and kill the actor, as in Ray."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

import colony
from colony.cluster_utils import Cluster
from colony.util import list_named_actors

TIMEOUT = 120


@pytest.fixture
def cluster():
    c = Cluster()
    c.add_node(num_cpus=2)
    c.connect(namespace="team-a")
    try:
        yield c
    finally:
        colony.shutdown()
        c.shutdown()


def _other_driver(cluster, code: str, namespace: str | None) -> str:
    """Runs `code` in a second driver process (a job of its own) and returns its stdout."""
    ns = "" if namespace is None else f", namespace={namespace!r}"
    script = textwrap.dedent(f"""
        import colony
        from colony.util import list_named_actors
        colony.init(address={cluster.gcs_address!r}{ns})
    """) + textwrap.dedent(code)
    env = {**os.environ, "COLONY_CLUSTER_TOKEN": cluster._token}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return out.stdout


@colony.remote
class Vault:
    def __init__(self):
        self.secret = "s3cret"

    def read(self):
        return self.secret


LOOKUP = """
try:
    colony.get_actor("vault")
    print("FOUND")
except ValueError as e:
    print("MISSING", e)
print("LISTED", sorted(list_named_actors()))
"""


def test_another_namespace_cannot_see_a_jobs_named_actors(cluster):
    vault = Vault.options(name="vault", lifetime="detached").remote()
    assert colony.get(vault.read.remote(), timeout=TIMEOUT) == "s3cret"
    try:
        out = _other_driver(cluster, LOOKUP, namespace="team-b")
        assert "MISSING Failed to look up actor with name 'vault' in namespace 'team-b'" in out, out
        assert "LISTED []" in out, out
        # A driver naming no namespace gets an anonymous one: it sees nothing either.
        anon = _other_driver(cluster, LOOKUP + "\nprint('NS', colony.get_runtime_context().namespace)\n",
                             namespace=None)
        assert "MISSING" in anon and "LISTED []" in anon, anon
        assert "NS anonymous-" in anon, anon
    finally:
        colony.kill(vault)


def test_a_shared_namespace_sees_calls_and_kills(cluster):
    vault = Vault.options(name="vault", lifetime="detached").remote()
    colony.get(vault.read.remote(), timeout=TIMEOUT)
    out = _other_driver(cluster, LOOKUP + """
v = colony.get_actor("vault")
print("READ", colony.get(v.read.remote(), timeout=60))
colony.kill(v)
""", namespace="team-a")
    assert "FOUND" in out and "LISTED ['vault']" in out and "READ s3cret" in out, out
    # Killed by the other job: the name is free again here.
    deadline = time.monotonic() + TIMEOUT
    while "vault" in list_named_actors() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "vault" not in list_named_actors()
    with pytest.raises(colony.exceptions.ActorDiedError):
        colony.get(vault.read.remote(), timeout=TIMEOUT)


def test_naming_the_other_namespace_is_an_explicit_choice(cluster):
    """As in Ray, get_actor(name, namespace=...) reaches into a namespace on purpose, and
    list_named_actors(all_namespaces=True) shows every job's names."""
    vault = Vault.options(name="vault", lifetime="detached").remote()
    colony.get(vault.read.remote(), timeout=TIMEOUT)
    try:
        out = _other_driver(cluster, """
v = colony.get_actor("vault", namespace="team-a")
print("READ", colony.get(v.read.remote(), timeout=60))
print("ALL", {"name": "vault", "namespace": "team-a"} in list_named_actors(all_namespaces=True))
""", namespace="team-b")
        assert "READ s3cret" in out and "ALL True" in out, out
    finally:
        colony.kill(vault)
