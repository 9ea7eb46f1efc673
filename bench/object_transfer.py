#!/usr/bin/env python3
"""Node-to-node object transfer: a 1 GiB object made on node A, pulled to node B.

Both nodes are raylets on this machine (colony.cluster_utils), so the transfer runs over
loopback TCP: the figure is set beside what loopback TCP itself carries here (one
socket, same process pair style: a sender and a receiver process) and beside a plain
in-memory copy of the same bytes.

    python3 bench/object_transfer.py [--size-mb 1024] [--rounds 3] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import statistics
import time

import numpy as np

import colony
from colony.cluster_utils import Cluster
from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy


def _sink(port: int, size: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        buf = bytearray(8 << 20)
        view = memoryview(buf)
        left = size
        while left:
            left -= s.recv_into(view[:min(left, len(buf))])
        s.sendall(b"k")


def loopback_tcp_gbps(size: int) -> float:
    """One TCP stream over 127.0.0.1 between two processes, 8 MiB writes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    receiver = multiprocessing.Process(target=_sink, args=(server.getsockname()[1], size))
    receiver.start()
    conn, _ = server.accept()
    chunk = memoryview(np.ones(8 << 20, dtype=np.uint8))
    start = time.perf_counter()
    sent = 0
    while sent < size:
        sent += conn.send(chunk[:min(len(chunk), size - sent)])
    conn.recv(1)
    elapsed = time.perf_counter() - start
    conn.close()
    receiver.join()
    server.close()
    return size / elapsed / 1e9


def memcpy_gbps(size: int) -> float:
    src = np.ones(size, dtype=np.uint8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    start = time.perf_counter()
    np.copyto(dst, src)
    return size / (time.perf_counter() - start) / 1e9


@colony.remote
def make(n):
    return np.ones(n, dtype=np.uint8)


def transfer_gbps(cluster, source, size: int, rounds: int) -> list[float]:
    rates = []
    for _ in range(rounds + 1):  # the first round warms both stores' pages
        ref = make.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            source.node_id, soft=False)).remote(size)
        colony.wait([ref], fetch_local=False)
        start = time.perf_counter()
        ready, _ = colony.wait([ref], fetch_local=True)
        rates.append(size / (time.perf_counter() - start) / 1e9)
        assert ready == [ref]
        del ref, ready
        time.sleep(0.5)  # let the frees land before the next round's create
    return rates[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    size = args.size_mb << 20
    store = 3 * size
    with Cluster(head_node_args={"num_cpus": 1, "object_store_memory": store}) as cluster:
        source = cluster.add_node(num_cpus=1, object_store_memory=store)
        cluster.connect()
        cluster.wait_for_nodes()
        rates = transfer_gbps(cluster, source, size, args.rounds)
    tcp = loopback_tcp_gbps(size)
    copy = memcpy_gbps(size)
    mean, spread = statistics.mean(rates), statistics.pstdev(rates)
    rows = [
        ("node A -> node B pull (fetch_local wait)", f"{mean:.2f} ± {spread:.2f}"),
        ("loopback TCP, one stream (limit)", f"{tcp:.2f}"),
        ("memory copy (numpy copyto)", f"{copy:.2f}"),
        ("pull / loopback TCP", f"{mean / tcp:.0%}"),
    ]
    print(f"object transfer, {args.size_mb} MiB, {args.rounds} rounds (GB/s)")
    for name, value in rows:
        print(f"  {name:<42} {value}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"size_mb": args.size_mb, "pull_gbps_mean": mean, "pull_gbps_stdev": spread,
                       "loopback_tcp_gbps": tcp, "memcpy_gbps": copy}, f, indent=2)


if __name__ == "__main__":
    main()
