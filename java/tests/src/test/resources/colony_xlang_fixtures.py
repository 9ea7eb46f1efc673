"""Python functions and an actor that the Java cluster tests call (CrossLanguageTest).

This file is on the Java driver's class path (target/test-classes), which is the job's code
search path, so Python workers import it by name.
"""

import colony


def add(a, b):
    return a + b


def echo(value):
    return value


def describe(value):
    return type(value).__name__


def length(data):
    return len(data)


def fail(message):
    raise ValueError(message)


def call_actor(handle, n):
    """Calls a method of the actor whose handle Java passed (an XLANG ext 3 value)."""
    return colony.get(handle.increment.remote(n))


def call_java(class_name, method, *args):
    """Calls a Java static method from this Python task, and returns its result."""
    from colony import cross_language
    return colony.get(cross_language.java_function(class_name, method).remote(*args))


class Counter:
    def __init__(self, start=0):
        self.value = start

    def increment(self, n=1):
        self.value += n
        return self.value

    def get(self):
        return self.value


def count_up(n):
    """A generator for Java's remoteGenerator(): 0 .. n-1, then fails if n is negative."""
    for i in range(abs(n)):
        yield i
    if n < 0:
        raise ValueError(f"stopped after {-n} items")


class Words:
    def split(self, text):
        """A generator method of a Python actor, called from Java as a stream."""
        yield from text.split()
