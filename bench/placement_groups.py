#!/usr/bin/env python3
"""Placement-group creation rate on a 3-node cluster (colony.cluster_utils.Cluster, all on
this machine): creates N groups (default 1,000) as fast as one driver can, waits until every
one is CREATED, then removes them all. Prints, per shape, how long the creates took to
return, how long until all were placed (the creation rate), and the removal rate.

    python3 bench/placement_groups.py                 # 1,000 groups per shape
    python3 bench/placement_groups.py --groups 200 --shapes pack1

Shapes: pack1 (one {"custom": 0.001} bundle, PACK, as Ray's microbenchmark row) and spread3
(three bundles, STRICT_SPREAD: a prepare and a commit on each of the 3 nodes per group).
Figures go in bench/RESULTS.md; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "python"))

import colony  # noqa: E402
from colony.cluster_utils import Cluster  # noqa: E402
from colony.util import placement_group, remove_placement_group  # noqa: E402

SHAPES = {
    "pack1": ("PACK", [{"custom": 0.001}]),
    "spread3": ("STRICT_SPREAD", [{"custom": 0.001}] * 3),
}


def run_shape(name: str, groups: int) -> dict:
    strategy, bundles = SHAPES[name]
    t0 = time.perf_counter()
    pgs = [placement_group(bundles, strategy=strategy) for _ in range(groups)]
    t_created = time.perf_counter()
    for pg in pgs:
        if not pg.wait(timeout_seconds=120):
            raise SystemExit(f"{name}: group {pg.id} was not placed within 120 s")
    t_ready = time.perf_counter()
    for pg in pgs:
        remove_placement_group(pg)
    t_removed = time.perf_counter()
    return {
        "shape": name,
        "groups": groups,
        "create_calls_s": t_created - t0,
        "all_ready_s": t_ready - t0,
        "rate_per_s": groups / (t_ready - t0),
        "removal_per_s": groups / (t_removed - t_ready),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--shapes", default=",".join(SHAPES),
                        help=f"comma-separated, of {', '.join(SHAPES)}")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    for s in shapes:
        if s not in SHAPES:
            parser.error(f"unknown shape {s!r}; use {', '.join(SHAPES)}")
    if args.groups < 1:
        parser.error("--groups must be >= 1")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = []
    with Cluster(head_node_args={"num_cpus": 2, "resources": {"custom": 100}}) as cluster:
        for _ in range(2):
            cluster.add_node(num_cpus=2, resources={"custom": 100})
        cluster.connect()
        cluster.wait_for_nodes()
        run_shape(shapes[0], min(50, args.groups))  # warm-up: stubs, channels, first writes
        for _ in range(args.rounds):
            for shape in shapes:
                results.append(run_shape(shape, args.groups))
        colony.shutdown()
    print(f"{'shape':<9} {'groups':>6} {'creates return':>15} {'all CREATED':>12} "
          f"{'groups/s':>9} {'removals/s':>11}")
    for r in results:
        print(f"{r['shape']:<9} {r['groups']:>6} {r['create_calls_s']:>14.2f}s "
              f"{r['all_ready_s']:>11.2f}s {r['rate_per_s']:>9.0f} {r['removal_per_s']:>11.0f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
