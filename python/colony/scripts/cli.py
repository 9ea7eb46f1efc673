"""The `colony` command: start, stop and inspect clusters.

    colony start --head [--port 6379] [--num-cpus 4] [--resources '{"A": 1}'] [--tls]
                        (a supervisor per node restarts crashed daemons: --max-restarts 5
                        --restart-window 60; docs/fault_tolerance.md)
    colony start --address HOST:PORT [--num-cpus 2] [--labels '{"zone": "a"}'] [--tls]
    colony status [--address HOST:PORT]
    colony token        (prints the token of the cluster started here)
    colony stop
    colony job submit|status|logs|stop|list ...   (scripts/job_cli.py, docs/jobs.md)
    colony logs [--node N] [--actor ID | --task ID | --job ID | --worker PID] [--follow] [FILE]
                        (scripts/logs_cli.py, docs/observability.md)
    colony list|summary|get|timeline|why ...    (scripts/state_cli.py, docs/observability.md)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time

from colony._private import node as node_mod
from colony._private import supervisor as supervisor_mod
from colony.scripts import job_cli
from colony.scripts import logs_cli
from colony.scripts import vcluster_cli
from colony.scripts import state_cli


def _json_dict(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON: {e}")
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"GPU_A\": 1}'")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="colony", description="Manage Colony clusters.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the processes of a node")
    role = start.add_mutually_exclusive_group(required=True)
    role.add_argument("--head", action="store_true", help="start a head node (GCS + raylet)")
    role.add_argument("--address", help="GCS address HOST:PORT of the cluster to join")
    start.add_argument("--port", type=int, default=0, help="GCS port for --head (0 = any free)")
    start.add_argument("--storage", default=None,
                       help="where the head's GCS keeps its tables: memory (default) or "
                            "redis://HOST:PORT[/DB] to survive a GCS restart (password from "
                            "COLONY_REDIS_PASSWORD; docs/fault_tolerance.md)")
    start.add_argument("--cluster-id", default=None,
                       help="name of this cluster's keys in a Redis shared by several clusters "
                            "(default 'default'); a restarted GCS must use the same one")
    start.add_argument("--node-ip", default="127.0.0.1")
    start.add_argument("--num-cpus", type=int)
    start.add_argument("--num-gpus", type=int)
    start.add_argument("--memory", type=int)
    start.add_argument("--object-store-memory", type=int)
    start.add_argument("--resources", type=_json_dict, help="custom resources as JSON")
    start.add_argument("--labels", type=_json_dict, help="node labels as JSON")
    start.add_argument("--token", help="cluster token (default: generated for --head; prefer "
                                       "COLONY_CLUSTER_TOKEN, argv is visible to other users)")
    start.add_argument("--scheduler-spread-threshold", type=float,
                       help="utilisation up to which tasks are packed onto their own node "
                            "before spreading (default 0.5)")
    start.add_argument("--scarce-resources", type=lambda v: v.split(","), metavar="NAME,...",
                       help="resources, besides GPU, kept for the work that asks for them: "
                            "other work avoids the nodes that have them")
    start.add_argument("--worker-isolation", choices=("auto", "cgroupv1", "cgroupv2", "off"),
                       help="a cgroup per worker limited to its num_cpus and memory: auto "
                            "(default) picks cgroup v2, then v1, then off (docs/isolation.md)")
    start.add_argument("--tls", action="store_true",
                       help="gRPC over TLS: a head makes a cluster CA and its certificate; a "
                            "joining node signs its own with the CA of the head started here")
    start.add_argument("--tls-ca", help="cluster CA certificate (PEM) to trust (implies --tls)")
    start.add_argument("--tls-cert", help="this node's certificate (PEM), signed by the CA, "
                                          "naming its IP")
    start.add_argument("--tls-key", help="the key of --tls-cert (PEM)")
    start.add_argument("--dashboard-port", type=int,
                       help="port of the head's job API and dashboard (default "
                            f"{node_mod.DEFAULT_DASHBOARD_PORT}, or any free port if that one "
                            "is taken)")
    start.add_argument("--no-dashboard", action="store_true",
                       help="do not start the head's web process (no job API)")
    start.add_argument("--metrics-port", type=int, default=0,
                       help="port of the node's metrics agent (Prometheus /metrics; default: "
                            "any free port, listed in the head's scrape config)")
    start.add_argument("--max-restarts", type=_non_negative_int, default=5,
                       help="the supervisor restarts a crashed GCS, raylet or dashboard at most "
                            "this many times within --restart-window, then gives up (default 5)")
    start.add_argument("--restart-window", type=_positive_float, default=60.0, metavar="SECONDS",
                       help="window in which --max-restarts crashes are counted (default 60)")
    job_cli.add_parser(sub)
    logs_cli.add_parser(sub)
    vcluster_cli.add_parser(sub)
    state_cli.add_parsers(sub)
    stop = sub.add_parser("stop", help="stop the processes started by 'colony start' here")
    stop.add_argument("--grace", type=float, default=5.0, help="seconds before SIGKILL")
    sub.add_parser("token", help="print the token of the cluster started here "
                                 "(for COLONY_CLUSTER_TOKEN on other machines)")
    status = sub.add_parser("status", help="show nodes and resources")
    status.add_argument("--address", default="auto")
    return parser


def _start(args) -> int:
    info = node_mod.read_cluster_file() or {}
    if args.head:
        if any(_alive(p) for p in info.get("pids", []) + _supervisor_pids(info)):
            print(f"a cluster started here is still running at {info['gcs_address']}; "
                  "run 'colony stop' first", file=sys.stderr)
            return 1
        token = args.token or secrets.token_hex(16)
        node = node_mod.NodeProcesses(node_mod.new_session_dir(), token, node_ip=args.node_ip)
        node.tls = _tls_of(args, node, None)
        info = {"gcs_address": "", "token": token, "pids": [], "session_dir": node.session_dir}
        if node.tls:
            info["tls"] = node.tls
    else:
        token = args.token or os.environ.get("COLONY_CLUSTER_TOKEN")
        if token is None and info.get("gcs_address") == args.address:
            token = info.get("token")
        if token is None:
            print("joining a cluster needs its token: pass --token or set COLONY_CLUSTER_TOKEN",
                  file=sys.stderr)
            return 1
        node = node_mod.NodeProcesses(node_mod.new_session_dir(), token, node_ip=args.node_ip,
                                      gcs_address=args.address)
        node.tls = _tls_of(args, node, info if info.get("gcs_address") == args.address else None)
        if info.get("gcs_address") != args.address:
            info = {"gcs_address": args.address, "token": token, "pids": [],
                    "session_dir": node.session_dir}
    # The node's processes are the supervisor's children (docs/fault_tolerance.md).
    state = supervisor_mod.launch(node, _supervisor_spec(args, node))
    node.gcs_address = state["gcs_address"]
    node.raylet_address = state["raylet_address"]
    node.dashboard_address = state.get("dashboard_address", "")
    node.metrics_address = state.get("metrics_address", "")
    if args.head:
        info["gcs_address"] = node.gcs_address
    if node.dashboard_address:
        info["dashboard_address"] = node.dashboard_address
    info["pids"] = info.get("pids", []) + list(state["children"].values())
    info["supervisors"] = info.get("supervisors", []) + [
        {"pid": state["pid"], "session_dir": node.session_dir}]
    node_mod.write_cluster_file(info)
    print(f"Colony node started (raylet at {node.raylet_address})"
          f"{', TLS with CA ' + node.tls['ca'] if node.tls else ''}.")
    if node.metrics_address:
        print(f"Node metrics:            {'https' if node.tls else 'http'}://"
              f"{node.metrics_address}/metrics (Authorization: Bearer <token>)")
    if args.head:
        # The token itself is not printed (terminals, CI logs and scrollback are not
        # private): it stays in the 0600 cluster file, and `colony token` prints it on demand.
        print(f"GCS address: {node.gcs_address}\n"
              f"Cluster token: in {node_mod.cluster_file()} (readable by you only); "
              f"'colony token' prints it\n"
              f"Join from another node:  COLONY_CLUSTER_TOKEN=<token> "
              f"colony start --address {node.gcs_address}\n"
              f"Connect a driver:        colony.init(address=\"auto\") on this machine, or\n"
              f"                         COLONY_CLUSTER_TOKEN=<token> and "
              f"colony.init(address=\"{node.gcs_address}\")")
        if node.dashboard_address:
            scheme = "https" if node.tls else "http"
            print(f"Job API:                 colony job submit --address "
                  f"{node.dashboard_address} -- python my_job.py\n"
                  f"Dashboard:               {scheme}://{node.dashboard_address}/?token=<token> "
                  f"(cluster metrics at /metrics)")
        if node.metrics_address:
            from colony._private import prometheus_config
            path = prometheus_config.write(node.session_dir, [node.metrics_address], token,
                                           (node.tls or {}).get("ca"))
            print(f"Prometheus config:       {path}")
    return 0


def _supervisor_spec(args, node) -> dict:
    """What the node's supervisor starts, as keyword arguments of NodeProcesses.start_*."""
    spec = {"session_dir": node.session_dir, "node_ip": node.node_ip,
            "gcs_address": node.gcs_address, "tls": node.tls,
            "max_restarts": args.max_restarts, "restart_window": args.restart_window,
            "gcs": None, "dashboard": None,
            "metrics_agent": {"port": args.metrics_port},
            "raylet": {"num_cpus": args.num_cpus, "num_gpus": args.num_gpus,
                       "resources": args.resources, "memory": args.memory,
                       "object_store_memory": args.object_store_memory, "labels": args.labels,
                       "spread_threshold": args.scheduler_spread_threshold,
                       "scarce_resources": args.scarce_resources,
                       "worker_isolation": args.worker_isolation}}
    if args.head:
        spec["gcs"] = {"port": args.port, "spread_threshold": args.scheduler_spread_threshold,
                       "storage": args.storage, "cluster_id": args.cluster_id,
                       "scarce_resources": args.scarce_resources}
        if not args.no_dashboard:
            spec["dashboard"] = {
                "port": args.dashboard_port if args.dashboard_port is not None
                else node_mod.DEFAULT_DASHBOARD_PORT,
                "port_fallback": args.dashboard_port is None}
    return spec


def _supervisor_pids(info: dict) -> list:
    return [s["pid"] for s in info.get("supervisors", [])]


def _token(args) -> int:
    info = node_mod.read_cluster_file()
    if not info or not info.get("token"):
        print("no cluster started here", file=sys.stderr)
        return 1
    print(info["token"])
    return 0


def _tls_of(args, node, head_info) -> dict | None:
    """The TLS files of the node being started, or None for plaintext. `head_info`: the
    cluster file of the cluster being joined, if it was started here."""
    from colony._private import tls
    if args.tls_cert or args.tls_key:
        return tls.given(args.tls_ca, args.tls_cert, args.tls_key)
    head_tls = (head_info or {}).get("tls")
    if not (args.tls or args.tls_ca or head_tls):
        return None
    if args.head:
        if args.tls_ca:
            raise ValueError("--tls-ca needs --tls-cert and --tls-key (or give none of them and "
                             "--tls makes a cluster CA)")
        return tls.new_cluster(node.session_dir, node.node_ip)
    ca = args.tls_ca or (head_tls or {}).get("ca")
    if not ca:
        raise ValueError(f"joining {args.address} over TLS needs the cluster's CA: --tls-ca, "
                         "with --tls-cert and --tls-key for this node (no cluster with that "
                         "address was started here)")
    return tls.join(node.session_dir, node.node_ip, os.path.abspath(ca))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _stop(args) -> int:
    info = node_mod.read_cluster_file()
    if not info:
        print("no cluster started here")
        return 0
    pids = list(reversed(info.get("pids", [])))  # raylets before the GCS
    supervisors = info.get("supervisors", [])
    if supervisors:
        # Each supervisor stops its node's processes in order; joined nodes before the head.
        for sup in reversed(supervisors):
            supervisor_mod.stop(sup["pid"], sup["session_dir"], args.grace)
        # Whatever a supervisor killed with SIGKILL could not stop (its children die with it,
        # so normally nothing): only processes of these sessions, pids may have been reused.
        sessions = [s["session_dir"] for s in supervisors]
        leftovers = [p for p in pids if _alive(p) and _cmdline_has_any(p, sessions)]
    else:
        leftovers = pids  # a cluster file written before the supervisor
    for pid in leftovers:
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.grace
    while time.monotonic() < deadline and any(_alive(p) for p in leftovers):
        time.sleep(0.05)
    for pid in leftovers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    node_mod.remove_cluster_file()
    print(f"stopped {len(pids)} process(es)")
    return 0


def _cmdline_has_any(pid: int, words: list) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().decode(errors="replace")
    except OSError:
        return False
    return any(w in cmdline for w in words)


def _status(args) -> int:
    import colony
    colony.init(address=args.address)
    try:
        nodes = colony.nodes()
        alive = [n for n in nodes if n["Alive"]]
        print(f"Nodes: {len(alive)} alive, {len(nodes) - len(alive)} dead")
        for n in nodes:
            state = "ALIVE" if n["Alive"] else f"DEAD ({n['DeathReason']})"
            print(f"  {n['NodeID'][:12]}  {n['NodeManagerAddress']}:{n['NodeManagerPort']}  {state}")
            if n["Labels"]:
                print(f"    labels: {n['Labels']}")
        total, avail = colony.cluster_resources(), colony.available_resources()
        print("Resources (used / total):")
        for name in sorted(total):
            used = total[name] - avail.get(name, 0)
            if name in ("memory", "object_store_memory"):
                print(f"  {name}: {used / 2**30:.2f} / {total[name] / 2**30:.2f} GiB")
            else:
                print(f"  {name}: {used:g} / {total[name]:g}")
    finally:
        colony.shutdown()
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command in state_cli.COMMANDS:
        try:
            return state_cli.run(args)
        except (RuntimeError, ConnectionError, ValueError, TypeError) as e:
            print(f"colony {args.command}: {e}", file=sys.stderr)
            return 1
    try:
        return {"start": _start, "stop": _stop, "status": _status,
                "token": _token, "job": job_cli.run,
                "logs": logs_cli.run, "vcluster": vcluster_cli.run}[args.command](args)
    except (RuntimeError, ConnectionError, ValueError) as e:
        print(f"colony {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
