"""The Python operator of the mixed word count (bench/streaming_wordcount_java.sh ... mixed)."""


def pair(word):
    """A word to [word, 1]: records cross Java -> Python -> Java as XLANG."""
    return [word, 1]
