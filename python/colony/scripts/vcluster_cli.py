"""`colony vcluster`: virtual clusters (docs/virtual_clusters.md).

    colony vcluster create --id ID [--divisible] --replica-sets '{"4c8g": 2, "gpu": 1}'
    colony vcluster update --id ID --replica-sets '{"4c8g": 3}'
    colony vcluster remove --id ID
    colony vcluster list
    colony vcluster show --id ID

Each takes --address HOST:PORT, the GCS (default: the cluster started on this machine).
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    vcluster = sub.add_parser("vcluster", help="create, change and show virtual clusters "
                                               "(docs/virtual_clusters.md)")
    actions = vcluster.add_subparsers(dest="vcluster_command", required=True)
    for name, text in (("create", "create a virtual cluster from free nodes"),
                       ("update", "change a virtual cluster's replica sets"),
                       ("remove", "remove a virtual cluster (its nodes become free)"),
                       ("list", "list the virtual clusters"),
                       ("show", "show one virtual cluster")):
        p = actions.add_parser(name, help=text)
        p.add_argument("--address", default="auto",
                       help="GCS address HOST:PORT (default: the cluster started here)")
        if name != "list":
            p.add_argument("--id", required=True, dest="cluster_id", help="the cluster's id")
        if name in ("create", "update"):
            p.add_argument("--replica-sets", required=True,
                           help='JSON {"<node_type>": <count>, ...}: nodes by their node_type '
                                "label")
        if name == "create":
            p.add_argument("--divisible", action="store_true",
                           help="jobs may hold parts of it alone (job clusters)")


def _replica_sets(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"--replica-sets is not valid JSON ({e.msg} at column {e.colno}): "
                         f"{text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f'--replica-sets must be a JSON object {{"<node_type>": <count>}}, '
                         f"got {text!r}")
    return value


def _print(info: dict) -> None:
    kind = "divisible" if info["divisible"] else "indivisible"
    if info["parent_id"]:
        kind = f"job cluster of {info['parent_id']} (job {info['job_id']})"
    print(f"{info['id']}  {kind}")
    wanted = ", ".join(f"{t}: {n}" for t, n in sorted(info["replica_sets"].items())) or "none"
    print(f"  replica sets: {wanted}")
    if info["missing"]:
        lacking = ", ".join(f"{t}: {n}" for t, n in sorted(info["missing"].items()))
        print(f"  missing: {lacking} (filled when free nodes of those types join)")
    for node, node_type in sorted(info["nodes"].items(), key=lambda kv: (kv[1], kv[0])):
        print(f"  node {node}  {node_type}")


def run(args) -> int:
    from colony import virtual_cluster as vc

    action = args.vcluster_command
    try:
        if action == "create":
            _print(vc.create(args.cluster_id, _replica_sets(args.replica_sets), args.divisible,
                             address=args.address))
        elif action == "update":
            _print(vc.update(args.cluster_id, _replica_sets(args.replica_sets),
                             address=args.address))
        elif action == "remove":
            vc.remove(args.cluster_id, address=args.address)
            print(f"removed {args.cluster_id}")
        elif action == "show":
            _print(vc.get(args.cluster_id, address=args.address))
        else:
            clusters = vc.list(address=args.address)
            if not clusters:
                print("no virtual clusters")
            for info in clusters:
                _print(info)
    except ValueError as e:
        print(f"colony vcluster {action}: {e}", file=sys.stderr)
        return 1
    return 0
