"""Actor lifetimes as Ray users expect them: a non-detached actor ends once every handle to
it is gone (in any process) and no call to it is pending; exit_actor() and
__colony_terminate__ end it from inside; ActorDiedError says which actor and why."""

import gc
import os

import pytest

import colony
from colony.actor import exit_actor
from colony.exceptions import ActorDiedError
from colony.util import list_named_actors
from colony_testutil import wait_for, wait_pids_gone

pytestmark = pytest.mark.usefixtures("lifetime_cluster")


@pytest.fixture(scope="module")
def lifetime_cluster():
    colony.init(num_cpus=2, namespace="lifetimes")
    yield
    colony.shutdown()


@colony.remote
class Resource:
    """Writes a line to `path` when Python destroys it (its __del__ runs on a graceful end)."""

    def __init__(self, path):
        self.path = path

    def pid(self):
        return os.getpid()

    def echo(self, value):
        return value

    def stop(self):
        exit_actor()
        return "not reached"

    def __del__(self):
        with open(self.path, "a") as f:
            f.write("released\n")


@colony.remote
class Holder:
    def __init__(self):
        self.kept = None

    def keep(self, handles):
        self.kept = handles[0]
        return colony.get(self.kept.pid.remote())

    def call(self):
        return colony.get(self.kept.echo.remote("alive"))

    def drop(self):
        self.kept = None
        gc.collect()
        return True


def _released(path):
    return os.path.exists(path) and "released" in open(path).read()


def test_dropping_the_only_handle_ends_the_actor_gracefully(tmp_path):
    path = str(tmp_path / "del")
    r = Resource.remote(path)
    pid = colony.get(r.pid.remote())
    del r
    gc.collect()
    assert wait_pids_gone([pid], timeout=60) == [], "the actor's process should exit"
    assert _released(path), "the actor's __del__ runs on a graceful end"


def test_a_borrowed_handle_keeps_the_actor_until_the_borrower_drops_it(tmp_path):
    path = str(tmp_path / "del")
    r = Resource.remote(path)
    holder = Holder.remote()
    pid = colony.get(holder.keep.remote([r]))
    del r
    gc.collect()
    # The holder's copy keeps it: calls through it still work after the creator let go.
    assert colony.get(holder.call.remote(), timeout=60) == "alive"
    assert colony.get(holder.drop.remote(), timeout=60) is True
    assert wait_pids_gone([pid], timeout=60) == []
    assert _released(path)


def test_a_pending_call_keeps_the_actor_alive_without_a_handle(tmp_path):
    path = str(tmp_path / "del")
    assert colony.get(Resource.remote(path).echo.remote("answer"), timeout=60) == "answer"
    wait_for(lambda: _released(path), timeout=60, what="the actor to end after its call")


def test_named_and_detached_actors(tmp_path):
    named = Resource.options(name="keeper").remote(str(tmp_path / "named"))
    detached = Resource.options(name="stays", lifetime="detached").remote(str(tmp_path / "d"))
    colony.get([named.pid.remote(), detached.pid.remote()])
    assert sorted(list_named_actors()) == ["keeper", "stays"]
    assert {"name": "keeper", "namespace": "lifetimes"} in list_named_actors(all_namespaces=True)
    # A handle from get_actor counts like any other.
    again = colony.get_actor("keeper")
    del named
    gc.collect()
    assert colony.get(again.echo.remote(1)) == 1
    # A detached actor outlives its handles.
    del detached
    gc.collect()
    assert colony.get(colony.get_actor("stays").echo.remote(2)) == 2
    colony.kill(colony.get_actor("stays"))
    del again
    gc.collect()
    wait_for(lambda: list_named_actors() == [], timeout=60, what="the named actors to end")


def test_exit_actor_ends_it_for_good_and_fails_the_calls_behind_it(tmp_path):
    path = str(tmp_path / "del")
    r = Resource.options(max_restarts=3).remote(path)
    pid = colony.get(r.pid.remote())
    stop = r.stop.remote()
    later = r.echo.remote("never")
    for ref in (stop, later):
        with pytest.raises(ActorDiedError) as info:
            colony.get(ref, timeout=60)
        assert info.value.actor_id == r.actor_id
        assert "exit" in info.value.why
    assert wait_pids_gone([pid], timeout=60) == []
    assert _released(path)
    with pytest.raises(ActorDiedError):  # no restart, though max_restarts allowed three
        colony.get(r.echo.remote("still never"), timeout=60)


def test_colony_terminate_runs_the_calls_before_it(tmp_path):
    r = Resource.remote(str(tmp_path / "del"))
    before = [r.echo.remote(i) for i in range(5)]
    r.__colony_terminate__.remote()
    after = r.echo.remote("late")
    assert colony.get(before, timeout=60) == list(range(5))
    with pytest.raises(ActorDiedError):
        colony.get(after, timeout=60)


def test_exit_actor_outside_an_actor_is_refused():
    with pytest.raises(TypeError, match="inside an actor"):
        exit_actor()


def test_actor_died_error_names_the_actor_and_why():
    r = Resource.remote("/dev/null")
    colony.get(r.pid.remote())
    colony.kill(r)
    with pytest.raises(ActorDiedError) as info:
        colony.get(r.echo.remote(0), timeout=30)
    assert info.value.actor_id == r.actor_id
    assert "killed" in info.value.why
