"""`colony job ...`: submit, watch and stop jobs through the head's job API.

    colony job submit [--address A] [--submission-id ID] [--working-dir DIR]
                      [--runtime-env JSON] [--metadata JSON] [--no-wait]
                      [--virtual-cluster ID [--job-cluster-replica-sets JSON]] -- python my_job.py ...
    colony job status [--address A] ID
    colony job logs   [--address A] [--follow] ID
    colony job stop   [--address A] [--no-wait] ID
    colony job list   [--address A]
    colony job delete [--address A] ID

`submit` prints the job's id, then (without --no-wait) the driver's output until the job
ends, then its end state; its exit code is 0 if the job SUCCEEDED, 1 if it FAILED, 2 if it
was STOPPED. With --no-wait the last line it prints is the job id alone.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

EXIT_CODES = {"SUCCEEDED": 0, "FAILED": 1, "STOPPED": 2}


def _json_object(flag: str):
    def parse(text: str) -> dict:
        try:
            value = json.loads(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{flag} is not valid JSON: {e}")
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError(f"{flag} must be a JSON object, e.g. "
                                             "'{\"env_vars\": {\"A\": \"1\"}}'")
        return value
    return parse


def add_parser(sub) -> None:
    job = sub.add_parser("job", help="submit, watch and stop jobs on a cluster")
    jobs = job.add_subparsers(dest="job_command", required=True)

    def with_address(p):
        p.add_argument("--address", help="HOST:PORT of the head's job API (default: "
                                         "$COLONY_DASHBOARD_ADDRESS, else the cluster started "
                                         "here)")
        return p

    submit = with_address(jobs.add_parser("submit", help="run an entrypoint as a driver on "
                                                         "the cluster"))
    submit.add_argument("--submission-id", help="the job's id (default: generated)")
    submit.add_argument("--working-dir", help="a local folder: uploaded, and the driver runs "
                                              "in it")
    submit.add_argument("--runtime-env", type=_json_object("--runtime-env"),
                        help='JSON, e.g. \'{"env_vars": {"A": "1"}, "working_dir": "."}\'')
    submit.add_argument("--metadata", type=_json_object("--metadata"),
                        help="JSON object of strings kept with the job")
    submit.add_argument("--virtual-cluster", metavar="ID",
                        help="run the job's tasks and actors only on this virtual cluster's "
                             "nodes (docs/virtual_clusters.md)")
    submit.add_argument("--job-cluster-replica-sets", type=_json_object("--job-cluster-replica-sets"),
                        metavar="JSON",
                        help='with a divisible --virtual-cluster: {"<node_type>": <count>} '
                             "of its nodes the job holds alone while it runs")
    submit.add_argument("--no-wait", action="store_true",
                        help="return once submitted; the last line printed is the job id")
    submit.add_argument("entrypoint", nargs=argparse.REMAINDER,
                        help="the command to run, after --")
    for name, help_text in (("status", "show a job's state"),
                            ("delete", "forget a finished job and its log")):
        with_address(jobs.add_parser(name, help=help_text)).add_argument("submission_id")
    logs = with_address(jobs.add_parser("logs", help="print a job's driver output"))
    logs.add_argument("--follow", "-f", action="store_true",
                      help="keep printing until the job ends")
    logs.add_argument("submission_id")
    stop = with_address(jobs.add_parser("stop", help="stop a job (its driver, workers and "
                                                     "actors)"))
    stop.add_argument("--no-wait", action="store_true",
                      help="return without waiting for the job to have stopped")
    stop.add_argument("submission_id")
    with_address(jobs.add_parser("list", help="list the cluster's jobs"))


def run(args) -> int:
    from colony.job_submission import JobApiError
    try:
        return _COMMANDS[args.job_command](args)
    except (JobApiError, ConnectionError, ValueError) as e:
        print(f"colony job {args.job_command}: {e}", file=sys.stderr)
        return 1


def _client(args):
    from colony.job_submission import JobSubmissionClient
    return JobSubmissionClient(args.address)


def _entrypoint(words: list) -> str:
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        raise ValueError("no entrypoint: give the command after --, e.g. "
                         "'colony job submit -- python my_job.py'")
    # One word is taken as a whole command line ('python a.py && python b.py'); several
    # are quoted as the words of one command.
    return words[0] if len(words) == 1 else shlex.join(words)


def _submit(args) -> int:
    entrypoint = _entrypoint(args.entrypoint)
    env = dict(args.runtime_env or {})
    if args.working_dir is not None:
        if env.get("working_dir"):
            raise ValueError("give the working dir once: --working-dir or runtime_env's "
                             "working_dir, not both")
        env["working_dir"] = args.working_dir
    client = _client(args)
    sid = client.submit_job(entrypoint=entrypoint, submission_id=args.submission_id,
                            runtime_env=env, metadata=args.metadata,
                            virtual_cluster_id=args.virtual_cluster,
                            job_cluster_replica_sets=args.job_cluster_replica_sets)
    if args.no_wait:
        print(f"Job submitted; follow it with 'colony job logs --follow {sid}'.")
        print(sid)
        return 0
    print(f"Job '{sid}' submitted; its output follows.", flush=True)
    try:
        _stream(client, sid)
    except KeyboardInterrupt:
        print(f"\nStopped following; the job runs on. 'colony job stop {sid}' stops it.",
              file=sys.stderr)
        return 130
    return _report_end(client.get_job_info(sid))


def _stream(client, sid: str) -> None:
    last = "\n"
    for chunk in client.tail_job_logs(sid):
        sys.stdout.write(chunk)
        sys.stdout.flush()
        last = chunk[-1:] or last
    if last != "\n":
        print()  # the end-state line starts on a line of its own


def _report_end(info) -> int:
    line = f"Job '{info.submission_id}' {info.status.value}"
    if info.message:
        line += f": {info.message}"
    print(line)
    return EXIT_CODES.get(info.status.value, 1)


def _status(args) -> int:
    info = _client(args).get_job_info(args.submission_id)
    print(f"Job '{info.submission_id}': {info.status.value}")
    if info.message:
        print(f"  message: {info.message}")
    print(f"  entrypoint: {info.entrypoint}")
    print(f"  started: {_time(info.start_time)}")
    if info.end_time:
        print(f"  ended: {_time(info.end_time)}")
    if info.driver_job_id:
        print(f"  driver's job id: {info.driver_job_id}")
    if info.driver_exit_code is not None:
        print(f"  driver exit code: {info.driver_exit_code}")
    if info.runtime_env:
        print(f"  runtime_env: {json.dumps(info.runtime_env)}")
    if info.metadata:
        print(f"  metadata: {json.dumps(info.metadata)}")
    return 0


def _logs(args) -> int:
    client = _client(args)
    if args.follow:
        try:
            _stream(client, args.submission_id)
        except KeyboardInterrupt:
            return 130
    else:
        sys.stdout.write(client.get_job_logs(args.submission_id))
    return 0


def _stop(args) -> int:
    client = _client(args)
    if not client.stop_job(args.submission_id):
        info = client.get_job_info(args.submission_id)
        print(f"Job '{args.submission_id}' is not running ({info.status.value}).")
        return 0
    if args.no_wait:
        print(f"Stopping job '{args.submission_id}'.")
        return 0
    status = client.wait_until_finished(args.submission_id)
    print(f"Job '{args.submission_id}' {status.value}.")
    return 0


def _list(args) -> int:
    jobs = _client(args).list_jobs()
    if not jobs:
        print("No jobs.")
        return 0
    print(f"{'SUBMISSION ID':<26} {'STATUS':<10} {'STARTED':<20} ENTRYPOINT")
    for j in jobs:
        print(f"{j.submission_id:<26} {j.status.value:<10} {_time(j.start_time):<20} "
              f"{j.entrypoint}")
    return 0


def _delete(args) -> int:
    _client(args).delete_job(args.submission_id)
    print(f"Job '{args.submission_id}' deleted.")
    return 0


def _time(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


_COMMANDS = {"submit": _submit, "status": _status, "logs": _logs, "stop": _stop,
             "list": _list, "delete": _delete}
