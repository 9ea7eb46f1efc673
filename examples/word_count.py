"""Example job: count words across documents with parallel tasks, then merge.

Run it with `python examples/word_count.py` (after scripts/install.sh).
"""

import collections

import colony

DOCUMENTS = [
    "the quick brown fox jumps over the lazy dog",
    "a distributed engine runs tasks actors and objects",
    "the engine runs python and java side by side",
    "objects are immutable and tasks are remote functions",
]


@colony.remote
def count_words(text: str) -> dict:
    return dict(collections.Counter(text.split()))


@colony.remote
def merge(*counts: dict) -> dict:
    total = collections.Counter()
    for c in counts:
        total.update(c)
    return dict(total)


def main():
    colony.init(num_cpus=2)
    partial = [count_words.remote(doc) for doc in DOCUMENTS]
    totals = colony.get(merge.remote(*partial))
    print("Top words across", len(DOCUMENTS), "documents:")
    for word, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:8]:
        print(f"  {word:<12} {n}")
    print("Cluster resources:", colony.cluster_resources())
    colony.shutdown()


if __name__ == "__main__":
    main()
