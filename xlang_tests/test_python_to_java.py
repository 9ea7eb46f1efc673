"""Python drivers calling Java tasks and actors, on a real local cluster."""

import pytest

import colony
from colony import cross_language
from colony.exceptions import CrossLanguageError


def test_java_static_method_as_a_task(xlang_cluster):
    add = cross_language.java_function("xlang.MathJob", "add")
    assert colony.get(add.remote(1, 2)) == 3
    refs = [add.remote(i, i) for i in range(10)]
    assert colony.get(refs) == [2 * i for i in range(10)]


def test_values_cross_both_ways(xlang_cluster):
    echo = cross_language.java_function("xlang.MathJob", "echo")
    for value in [None, True, -5, 2 ** 70, 1.5, "héllo", b"\x00\xff", [1, [2, "x"]],
                  {"a": {"b": [None]}}, {1: "one"}]:
        assert colony.get(echo.remote(value)) == value
    lengths = cross_language.java_function("xlang.MathJob", "wordLengths")
    assert colony.get(lengths.remote(["a", "bcd"])) == {"a": 1, "bcd": 3}
    assert colony.get(cross_language.java_function("xlang.MathJob", "range").remote(3)) == [0, 1, 2]


def test_refs_pass_by_reference(xlang_cluster):
    data = colony.put(bytes(range(256)) * 1000)  # in the shared-memory store
    total = cross_language.java_function("xlang.MathJob", "sumBytes").remote(data)
    assert colony.get(total) == sum(range(256)) * 1000
    three = cross_language.java_function("xlang.MathJob", "add").remote(1, 2)
    assert colony.get(cross_language.java_function("xlang.MathJob", "add").remote(three, 4)) == 7


def test_java_exceptions_arrive_as_cross_language_errors(xlang_cluster):
    fail = cross_language.java_function("xlang.MathJob", "fail")
    with pytest.raises(CrossLanguageError) as info:
        colony.get(fail.remote("boom"))
    error = info.value
    assert error.language == "JAVA"
    assert error.type_name == "java.lang.IllegalStateException"
    assert error.message == "boom"
    assert "xlang.MathJob.fail" in error.remote_stack


def test_unknown_class_or_method_fails_the_call_naming_it(xlang_cluster):
    with pytest.raises(colony.exceptions.ColonyError, match="xlang.NoSuchClass"):
        colony.get(cross_language.java_function("xlang.NoSuchClass", "f").remote(), timeout=60)
    with pytest.raises(colony.exceptions.ColonyError, match="noSuchMethod"):
        colony.get(cross_language.java_function("xlang.MathJob", "noSuchMethod").remote(),
                   timeout=60)
    with pytest.raises(colony.exceptions.ColonyError, match="overloaded"):
        colony.get(cross_language.java_function("xlang.MathJob", "overloaded").remote(1),
                   timeout=60)


def test_values_without_a_neutral_form_fail_at_submit_time(xlang_cluster):
    class Point:
        pass

    echo = cross_language.java_function("xlang.MathJob", "echo")
    with pytest.raises(TypeError, match=r"Point.*") as info:
        echo.remote(Point())
    assert "JAVA" in str(info.value)
    with pytest.raises(TypeError, match="positional"):
        echo.remote(value=1)


def test_java_actor(xlang_cluster):
    Counter = cross_language.java_actor_class("xlang.Counter")
    counter = Counter.remote(10)
    refs = [counter.increment.remote(1) for _ in range(20)]
    assert colony.get(refs) == list(range(11, 31))
    assert colony.get(counter.get.remote()) == 30
    named = Counter.options(name="java-counter").remote(0)
    assert colony.get(named.increment.remote(5)) == 5
    colony.kill(named)


def test_java_actor_handle_passed_to_a_python_task(xlang_cluster):
    counter = cross_language.java_actor_class("xlang.Counter").remote(100)

    @colony.remote
    def bump(handles):
        return colony.get(handles[0].increment.remote(1))

    assert colony.get(bump.remote([counter])) == 101
    assert colony.get(counter.get.remote()) == 101


def test_python_reads_values_a_java_task_put(xlang_cluster):
    """A Java task's Colony.put of neutral values is XLANG: the Python caller reads it."""
    ref = colony.get(cross_language.java_function("xlang.PutJob", "putRange").remote(5))
    assert colony.get(ref) == [0, 1, 2, 3, 4]
    nested = colony.get(colony.get(cross_language.java_function("xlang.PutJob",
                                                                "putNested").remote("n")))
    assert nested["name"] == "n"
    assert colony.get(nested["inner"]) == [1, 2.5, "x"]
    java_only = colony.get(cross_language.java_function("xlang.PutJob", "putIntegers").remote())
    with pytest.raises(ValueError, match="metadata b'JAVA'.*Integer"):
        colony.get(java_only)
