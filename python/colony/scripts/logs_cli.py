"""`colony logs`: any process's log (GCS, raylets, workers) from any node of a cluster.

    colony logs [--address A]                        lists the log files of every node
    colony logs [--address A] --node NODE            lists that node's files
    colony logs [--node NODE] FILE                   prints a file (raylet.log, gcs.log, worker-<id>.err)
    colony logs --actor ID | --task ID | --job ID | --worker PID [--node NODE]
    ... [--follow] [--tail BYTES]

NODE is a node id (or a unique prefix of it) or the node's IP. --task and --actor print only
that task's or actor's part of its worker's output; --job and --worker print the whole files
of the job's (the process's) workers. Reading uses colony._private.log_reader.
"""

from __future__ import annotations

import sys
import time


def add_parser(sub) -> None:
    logs = sub.add_parser("logs", help="list or print log files of any node "
                                       "(GCS, raylets, workers); docs/observability.md")
    logs.add_argument("--address", default="auto", help="GCS address HOST:PORT (default: the "
                                                        "cluster started here)")
    logs.add_argument("--node", help="node id (or a unique prefix) or IP")
    which = logs.add_mutually_exclusive_group()
    which.add_argument("--actor", help="an actor's output (its worker's files from its marker on)")
    which.add_argument("--task", help="a task's output (hex task id)")
    which.add_argument("--job", help="every worker file of a job (hex job id)")
    which.add_argument("--worker", type=int, metavar="PID", help="a worker process's files")
    logs.add_argument("--follow", "-f", action="store_true",
                      help="keep printing what is appended (Ctrl-C ends)")
    logs.add_argument("--tail", type=int, metavar="BYTES",
                      help="start this many bytes before the end of each file")
    logs.add_argument("file", nargs="?", metavar="FILE", help="a file name from the listing")


def run(args) -> int:
    import colony
    from colony._private.log_reader import LogReader

    if args.file and any(v is not None for v in (args.actor, args.task, args.job, args.worker)):
        print("colony logs: give a FILE or one of --actor/--task/--job/--worker, not both",
              file=sys.stderr)
        return 2
    if args.tail is not None and args.tail <= 0:
        print("colony logs: --tail must be a positive number of bytes", file=sys.stderr)
        return 2
    colony.init(address=args.address, log_to_driver=False)
    try:
        reader = LogReader()
        if not any(v is not None for v in (args.file, args.actor, args.task, args.job, args.worker)):
            _print_listing(reader.list_files(args.node))
            return 0
        sources = reader.select(node=args.node, actor=args.actor, task=args.task, job=args.job,
                                worker_pid=args.worker, file=args.file)
        return _print_sources(reader, sources, args.follow, args.tail)
    finally:
        colony.shutdown()


def _print_listing(listings: dict) -> None:
    for node_id, listing in listings.items():
        print(f"node {node_id} ({listing['address']}):")
        workers = {}
        for w in listing["workers"]:
            for name in (w["out_file"], w["err_file"]):
                workers[name] = w
        for f in listing["files"]:
            w = workers.get(f["name"])
            about = (f"  {w['language'].lower()} worker pid {w['pid']}, job {w['job_id']}"
                     if w else "")
            print(f"  {f['name']:<48} {f['size']:>10} B{about}")


def _print_sources(reader, sources: list, follow: bool, tail: int | None) -> int:
    many = len(sources) > 1
    if not follow:
        for source in sources:
            if many:
                print(f"==> {source.title()} <==")
            for line in reader.lines(source, tail_bytes=tail):
                print(line)
        return 0
    tails = [reader.tail(s, tail) for s in sources]
    try:
        while True:
            for t in tails:
                for line in t.poll():
                    print(f"({t.source.title()}) {line}" if many else line)
            sys.stdout.flush()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
