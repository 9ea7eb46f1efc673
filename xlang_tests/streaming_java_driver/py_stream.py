"""Python operator functions of the Java-built mixed job (xstream.MixedJob)."""


def to_pair(word):
    """A word to [word, 1]: a Python map between Java operators (records cross as XLANG)."""
    return [word, 1]
