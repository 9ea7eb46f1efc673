"""A Python driver streaming the items of Java tasks and actor methods (num_returns=
"streaming" on cross_language callees; java/README.md "Streaming generators"), and giving a
Java actor concurrency groups."""

import pytest

import colony
from colony import cross_language
from colony.exceptions import CrossLanguageError


def test_a_java_task_streams_xlang_items(xlang_cluster):
    count_up = cross_language.java_function("xlang.Streams", "countUp").options(
        num_returns="streaming")
    gen = count_up.remote(4)
    assert isinstance(gen, colony.ObjectRefGenerator)
    assert [colony.get(ref) for ref in gen] == [0, 1, 2, 3]
    assert colony.get(gen.completed()) == 4
    pairs = cross_language.java_function("xlang.Streams", "pairs").options(
        num_returns="streaming", _generator_backpressure_num_objects=1)
    assert [colony.get(ref) for ref in pairs.remote(3)] == [[0, "item0"], [1, "item1"],
                                                             [2, "item2"]]


def test_a_java_exception_is_the_item_where_it_happened(xlang_cluster):
    gen = cross_language.java_function("xlang.Streams", "countUp").options(
        num_returns="streaming").remote(-2)
    assert colony.get(next(gen)) == 0
    assert colony.get(next(gen)) == 1
    broken = next(gen)
    with pytest.raises(CrossLanguageError) as info:
        colony.get(broken)
    assert info.value.language == "JAVA"
    assert "stopped after 2 items" in str(info.value)
    with pytest.raises(StopIteration):
        next(gen)


def test_a_java_actor_method_streams(xlang_cluster):
    actor = cross_language.java_actor_class("xlang.Streams").remote()
    gen = actor.words.options(num_returns="streaming").remote("to be or not")
    assert [colony.get(ref) for ref in gen] == ["to", "be", "or", "not"]
    assert colony.get(actor.calls.remote()) == 1
    with pytest.raises(ValueError, match="unknown actor method option"):
        actor.words.options(num_cpus=1)


def test_a_python_driver_gives_a_java_actor_concurrency_groups(xlang_cluster):
    """The default group's one thread waits for a call that can only run on group io's."""
    gate = cross_language.java_actor_class("xlang.Gate").options(
        concurrency_groups={"io": 1}).remote()
    waiting = gate.waitForRelease.remote()
    assert colony.get(gate.release.options(concurrency_group="io").remote(), timeout=120)
    assert colony.get(waiting, timeout=120) is True
    with pytest.raises(ValueError, match="concurrency group 'gpu' is not one of the actor's"):
        gate.release.options(concurrency_group="gpu").remote()
