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
