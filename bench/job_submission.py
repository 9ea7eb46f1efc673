"""Job submission latencies on a `Cluster` with the job API (docs/jobs.md).

Rows: submit to SUCCEEDED of a shell no-op (`true`, the agent's own cost)
and of a Python driver that joins the cluster and runs one task (the cost a user sees);
N jobs in a row, and N at once. A working dir upload (first and repeated, same content).
Prints a table; `--record` appends it to bench/RESULTS.md.

    python3 bench/job_submission.py [--jobs 10] [--record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from colony.cluster_utils import Cluster
from results_md import markdown_table, record, section
from colony.job_submission import JobStatus

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = """
import colony
colony.init()
@colony.remote
def one():
    return 1
assert colony.get(one.remote()) == 1
"""


def _run(client, entrypoint, env, n, at_once):
    """(median s from submit to SUCCEEDED, wall s) over n jobs."""
    to_end = []
    t0 = time.monotonic()
    pending = []
    for _ in range(n):
        pending.append((time.monotonic(), client.submit_job(entrypoint=entrypoint,
                                                              runtime_env=env)))
        if not at_once:
            to_end.append(_finish(client, *pending.pop()))
    to_end += [_finish(client, start, sid) for start, sid in pending]
    return statistics.median(to_end), time.monotonic() - t0


def _finish(client, start, sid) -> float:
    status = client.wait_until_finished(sid, timeout=300)
    assert status == JobStatus.SUCCEEDED, client.get_job_logs(sid)
    return time.monotonic() - start


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=10)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as wd, \
            Cluster(head_node_args={"num_cpus": 2}) as cluster:
        with open(os.path.join(wd, "driver.py"), "w") as f:
            f.write(DRIVER)
        with open(os.path.join(wd, "blob.bin"), "wb") as f:
            f.write(os.urandom(8 << 20))
        cluster.start_dashboard()
        client = cluster.job_client()
        t = time.monotonic()
        uri = client.upload_working_dir(wd)
        rows.append(("upload working dir, 8 MiB, first time", time.monotonic() - t, ""))
        t = time.monotonic()
        assert client.upload_working_dir(wd) == uri
        rows.append(("upload working dir, same content again", time.monotonic() - t, ""))
        for name, entrypoint, env in (
                ("`true`", "true", {}),
                ("Python driver, init + 1 task", "python driver.py", {"working_dir": uri})):
            for at_once in (False, True):
                end, wall = _run(client, entrypoint, env, args.jobs, at_once)
                how = "at once" if at_once else "in a row"
                rows.append((f"{name}, {args.jobs} {how}: submit to SUCCEEDED (median)", end,
                             f"{args.jobs / wall:.1f} jobs/s"))
    text = markdown_table(["what", "seconds", "throughput"],
                          [(what, f"{secs:.3f}", thr) for what, secs, thr in rows])
    print(text)
    if args.record:
        record(section(
            "job submission latencies (issue 19)",
            "`bench/job_submission.py`: jobs through the job API of a 1-node `Cluster` "
            "(2 CPUs), timed by the client from `submit_job` to `wait_until_finished` "
            "seeing SUCCEEDED (the log long poll).",
            f"python3 bench/job_submission.py --jobs {args.jobs} --record", text,
            "other helpers' builds and tests ran at the same time"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
