"""The state commands (docs/observability.md, "Events and state"), over colony.util.state:

    colony list actors|tasks|nodes|jobs|workers [--filter KEY=VALUE]... [--detail]
                                                [--limit N] [--format table|json] [--address A]
    colony summary tasks|actors [--address A]
    colony get actor|task|node ID [--address A]
    colony timeline [--output FILE] [--job JOB_ID] [--address A]
    colony why TASK_OR_ACTOR_OR_OBJECT_ID [--address A]

--filter takes KEY=VALUE or KEY!=VALUE and may be repeated (all must hold); an unknown key
is an error naming the keys there are. --address is the GCS's HOST:PORT (default: the
cluster started on this host).
"""

from __future__ import annotations

import json
import sys

RESOURCES = ("actors", "tasks", "nodes", "jobs", "workers")
COMMANDS = ("list", "summary", "get", "timeline", "why")


def add_parsers(sub) -> None:
    def address(p):
        p.add_argument("--address", default=None,
                       help="GCS address HOST:PORT (default: the cluster started here)")

    lst = sub.add_parser("list", help="list actors, tasks, nodes, jobs or workers "
                                      "(docs/observability.md)")
    lst.add_argument("resource", choices=RESOURCES)
    lst.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                     help="keep rows where KEY=VALUE (or KEY!=VALUE); repeatable")
    lst.add_argument("--detail", action="store_true", help="every column")
    lst.add_argument("--limit", type=int, default=1000, help="at most this many rows")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    address(lst)

    summary = sub.add_parser("summary", help="counts of tasks or actors by state")
    summary.add_argument("resource", choices=("tasks", "actors"))
    summary.add_argument("--format", choices=("table", "json"), default="table")
    address(summary)

    get = sub.add_parser("get", help="one actor, task or node with every column")
    get.add_argument("resource", choices=("actor", "task", "node"))
    get.add_argument("id", help="hex id (a unique prefix for actors and nodes)")
    address(get)

    timeline = sub.add_parser("timeline", help="write a Chrome-trace JSON of task executions")
    timeline.add_argument("--output", "-o", default=None,
                          help="file to write (default: colony-timeline-<time>.json)")
    timeline.add_argument("--job", default=None, help="only this job (hex id)")
    address(timeline)

    why = sub.add_parser("why", help="explain why a task, actor or object failed")
    why.add_argument("id", help="hex id of a task, an actor or an object")
    address(why)


def parse_filter(text: str) -> tuple:
    for op in ("!=", "="):
        if op in text:
            key, value = text.split(op, 1)
            if not key:
                break
            return key.strip(), op, value.strip()
    raise ValueError(f"a filter is KEY=VALUE or KEY!=VALUE, got {text!r}")


def run(args) -> int:
    from colony.util import state
    if args.command == "list":
        lister = getattr(state, f"list_{args.resource}")
        rows = lister(filters=[parse_filter(f) for f in args.filter], detail=args.detail,
                      limit=args.limit, address=args.address)
        _print_rows(rows, args.format)
        return 0
    if args.command == "summary":
        summary = (state.summarize_tasks if args.resource == "tasks"
                   else state.summarize_actors)(address=args.address)
        if args.format == "json":
            print(json.dumps(summary, indent=2))
        else:
            _print_summary(summary, args.resource)
        return 0
    if args.command == "get":
        if args.resource == "task":
            found = state.get_task(args.id, address=args.address)
        else:
            found = getattr(state, f"get_{args.resource}")(args.id, address=args.address)
        if not found:
            print(f"colony get: no {args.resource} {args.id} (or the prefix is not unique)",
                  file=sys.stderr)
            return 1
        print(json.dumps(found, indent=2, default=str))
        return 0
    if args.command == "timeline":
        import time
        output = args.output or time.strftime("colony-timeline-%Y%m%d-%H%M%S.json")
        events = state.timeline(output, job_id=args.job, address=args.address)
        print(f"wrote {len(events)} task spans to {output} (open it in chrome://tracing or "
              "https://ui.perfetto.dev)")
        return 0
    if args.command == "why":
        for line in state.explain(args.id, address=args.address):
            print(line)
        return 0
    raise ValueError(f"unknown state command {args.command!r}")


def _cell(value) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in sorted(value.items()))
    if value is None:
        return "-"
    return str(value)


def _print_rows(rows: list, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        print("(none)")
        return
    columns = list(rows[0].keys())
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [min(max(len(c), *(len(row[i]) for row in cells)), 60)
              for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(row, widths)).rstrip())
    print(f"({len(rows)} rows)")


def _print_summary(summary: dict, resource: str) -> None:
    if not summary:
        print(f"(no {resource})")
        return
    width = max(len(k) for k in summary)
    for name, entry in summary.items():
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(entry["state_counts"].items()))
        print(f"{name.ljust(width)}  total {entry['total']}  ({counts})")
