"""What metrics cost (docs/observability.md, "Metrics"): a node's start with and without its
metrics agent, one scrape of a node's /metrics and of the dashboard's (whole cluster), and
recording a user metric in-process. Prints a markdown table; figures go to bench/RESULTS.md.

    python3 bench/metrics.py [--rounds 3] [--scrapes 20]
"""

import argparse
import statistics
import time
import urllib.request

from colony.cluster_utils import Cluster
from colony.util.metrics import Counter, Histogram


def _get(address, token):
    req = urllib.request.Request(f"http://{address}/metrics",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30) as r:
        return r.read()


def node_start_s(agents: bool, rounds: int) -> list:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        cluster = Cluster(head_node_args={"num_cpus": 1}, metrics_agents=agents)
        cluster.add_node(num_cpus=1)
        out.append((time.perf_counter() - start) / 2)
        cluster.shutdown()
    return out


def scrapes_s(scrapes: int) -> tuple:
    cluster = Cluster(head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.connect()
        dashboard = cluster.start_dashboard()
        node, whole = [], []
        size_node = size_whole = 0
        for _ in range(scrapes):
            t = time.perf_counter()
            size_node = len(_get(cluster.head_node.metrics_address, cluster._token))
            node.append(time.perf_counter() - t)
            t = time.perf_counter()
            size_whole = len(_get(dashboard, cluster._token))
            whole.append(time.perf_counter() - t)
        return node, whole, size_node, size_whole
    finally:
        cluster.shutdown()


def record_per_s(n: int = 200_000) -> tuple:
    c = Counter("bench_counter", "bench", tag_keys=("k",))
    h = Histogram("bench_hist", "bench", boundaries=[0.1, 1, 10], tag_keys=("k",))
    t = time.perf_counter()
    for _ in range(n):
        c.inc(tags={"k": "a"})
    counter = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(n):
        h.observe(i % 20, tags={"k": "a"})
    return counter, n / (time.perf_counter() - t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scrapes", type=int, default=20)
    args = p.parse_args()
    without = node_start_s(False, args.rounds)
    with_agent = node_start_s(True, args.rounds)
    node, whole, size_node, size_whole = scrapes_s(args.scrapes)
    inc, observe = record_per_s()
    ms = lambda xs: f"{statistics.median(xs) * 1000:.1f} ms"
    print("| row | figure |\n| --- | ---: |")
    print(f"| node start (raylet; head also GCS), no agent, median of {args.rounds} | {ms(without)} |")
    print(f"| node start with its metrics agent, median of {args.rounds} | {ms(with_agent)} |")
    print(f"| GET a node's /metrics ({size_node} bytes), median of {args.scrapes} | {ms(node)} |")
    print(f"| GET the dashboard's /metrics, 2 nodes ({size_whole} bytes), median of "
          f"{args.scrapes} | {ms(whole)} |")
    print(f"| Counter.inc with one tag, in-process | {inc:,.0f}/s |")
    print(f"| Histogram.observe with one tag, in-process | {observe:,.0f}/s |")


if __name__ == "__main__":
    main()
