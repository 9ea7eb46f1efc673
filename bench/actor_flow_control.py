#!/usr/bin/env python3
"""Actor flow control: one driver sends a million calls to one actor, with and without
max_pending_calls, and reports memory and speed.

Each mode runs in its own driver process, on its own fresh cluster, so that each peak RSS
(VmHWM in /proc/<pid>/status: the most resident memory the process ever had) belongs to that
mode alone:

* ``unlimited``: max_pending_calls unset. The driver submits all the calls back to back, then
  gets the results in batches of --batch (dropping each batch's refs once got).
* ``limited``: max_pending_calls=--limit. The driver submits calls until the handle refuses
  one with ``PendingCallsLimitExceeded``; it then gets the oldest --drain outstanding results
  and goes on. The remaining results are got in batches of --batch at the end.

With a no-op method, one Python driver submits about as fast as the actor runs the calls, so
few calls are ever pending: the limit is rarely hit, and in both modes the driver's memory goes
mostly to the refs (and small results) it holds, not to queued calls. --actor-sleep-us makes the
method sleep that long per call, so that the actor is slower than the driver and calls really
queue up.

The actor's method takes a small int and returns it; the sum of the results is checked. The
actor also returns its pid, so its worker's VmHWM can be read. Figures: wall time from the first
submit to the last result, calls per second, peak RSS of the driver and of the actor's worker
(and their RSS before the first call, for comparison), and how often the limit was hit.

Run (takes about 2 x calls / (actor calls per second): about 7 minutes for a million on a
2-core machine):

    python3 bench/actor_flow_control.py
    python3 bench/actor_flow_control.py --calls 200000 --modes limited
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(BENCH_DIR, "results", "actor_flow_control_latest.json")
MODES = ("unlimited", "limited")


# --------------------------------------------------------------------------- /proc

def proc_status(pid: int) -> dict:
    """VmRSS and VmHWM of a process, in bytes (empty if it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


class RssSampler(threading.Thread):
    """Samples VmRSS of some processes every ``interval`` s, for a timeline in the JSON (the
    peaks come from VmHWM, which misses nothing between samples)."""

    def __init__(self, pids: dict, t0: float, interval: float = 1.0):
        super().__init__(daemon=True)
        self.pids, self.t0, self.interval = pids, t0, interval
        self.samples: list = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(self.interval):
            self.sample()

    def sample(self):
        row = {"t": round(time.perf_counter() - self.t0, 2)}
        for name, pid in self.pids.items():
            row[name + "_rss_mb"] = round(proc_status(pid).get("VmRSS", 0) / 2**20, 1)
        self.samples.append(row)

    def stop(self):
        self.stop_event.set()
        self.join(5)
        self.sample()


# --------------------------------------------------------------------------- one mode (child)

def emit(record: dict) -> None:
    """One JSON line to the parent."""
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def count_unfinished(mod, refs: list) -> tuple:
    """How many of ``refs`` are not finished yet (one wait() with timeout 0), and how long
    counting took (left out of the wall time)."""
    t = time.perf_counter()
    ready, _ = mod.wait(refs, num_returns=len(refs), timeout=0) if refs else ([], [])
    return len(refs) - len(ready), time.perf_counter() - t


def run_mode(args) -> dict:
    sys.path.insert(0, BENCH_DIR)
    from microbenchmark import ColonyEngine, import_engine  # the harness's import fallbacks

    mod = import_engine("colony")
    from colony.exceptions import PendingCallsLimitExceeded

    n, batch = args.calls, args.batch
    limited = args.mode == "limited"

    sleep = args.actor_sleep_us / 1e6

    class Sink:
        def f(self, x):
            if sleep:
                time.sleep(sleep)
            return x

        def pid(self):
            return os.getpid()

    info = mod.init()
    node = mod._private.worker.state.node
    pids = {"driver": os.getpid()}
    if node is not None:
        pids.update(zip(("gcs", "raylet"), node.pids()))
    try:
        cls = mod.remote(num_cpus=0)(Sink)
        if limited:
            cls = cls.options(max_pending_calls=args.limit)
        a = cls.remote()
        pids["actor"] = mod.get(a.pid.remote())
        mod.get([a.f.remote(i) for i in range(1000)])  # warm up both ends
        before = {name: proc_status(pid) for name, pid in pids.items()}
        emit({"kind": "start", "mode": args.mode, "pids": pids,
              "session_dir": info.get("session_dir")})

        progress_every = max(n // 10, 1)
        t0 = time.perf_counter()
        sampler = RssSampler({k: pids[k] for k in ("driver", "actor")}, t0)
        sampler.start()
        total = 0
        rejections = 0
        outstanding_at_rejection: list = []
        drained = 0
        submit_seconds = None
        if not limited:
            refs = []
            for i in range(n):
                refs.append(a.f.remote(i))
                if (i + 1) % progress_every == 0:
                    emit({"kind": "progress", "submitted": i + 1, "got": 0,
                          "seconds": round(time.perf_counter() - t0, 2),
                          "driver_rss_mb": round(proc_status(pids["driver"])["VmRSS"] / 2**20)})
            submit_seconds = time.perf_counter() - t0
            unfinished, count_seconds = count_unfinished(mod, refs)
            got = 0
            for start in range(0, n, batch):
                total += sum(mod.get(refs[start:start + batch]))
                refs[start:start + batch] = [None] * len(refs[start:start + batch])
                got = min(start + batch, n)
                if got % progress_every < batch or got == n:
                    emit({"kind": "progress", "submitted": n, "got": got,
                          "seconds": round(time.perf_counter() - t0, 2)})
            del refs
        else:
            outstanding: collections.deque = collections.deque()
            got = 0
            i = 0
            while i < n:
                try:
                    outstanding.append(a.f.remote(i))
                except PendingCallsLimitExceeded:
                    rejections += 1
                    outstanding_at_rejection.append(len(outstanding))
                    k = min(args.drain, len(outstanding))
                    if k == 0:
                        raise RuntimeError("PendingCallsLimitExceeded with no call outstanding")
                    total += sum(mod.get([outstanding.popleft() for _ in range(k)]))
                    got += k
                    drained += k
                    continue
                i += 1
                if i % progress_every == 0:
                    emit({"kind": "progress", "submitted": i, "got": got,
                          "rejections": rejections,
                          "seconds": round(time.perf_counter() - t0, 2)})
            submit_seconds = time.perf_counter() - t0
            len_outstanding_at_end = len(outstanding)
            unfinished, count_seconds = count_unfinished(mod, list(outstanding))
            while outstanding:
                k = min(batch, len(outstanding))
                total += sum(mod.get([outstanding.popleft() for _ in range(k)]))
                got += k
        wall = time.perf_counter() - t0 - count_seconds
        sampler.stop()
        after = {name: proc_status(pid) for name, pid in pids.items()}
        expected = n * (n - 1) // 2
        if total != expected:
            raise RuntimeError(f"sum of results {total} != {expected}: calls lost or repeated")
        result = {
            "kind": "result", "mode": args.mode, "calls": n,
            "engine": ColonyEngine().describe(mod),
            "max_pending_calls": args.limit if limited else None,
            "batch": batch, "drain": args.drain if limited else None,
            "actor_sleep_us": args.actor_sleep_us,
            "wall_seconds": round(wall, 3), "calls_per_second": round(n / wall, 1),
            "submit_seconds": round(submit_seconds, 3),
            "unfinished_when_submit_ended": unfinished,
            "refs_held_when_submit_ended": n if not limited else len_outstanding_at_end,
            "rejections": rejections,
            "outstanding_at_rejection": ({"min": min(outstanding_at_rejection),
                                          "max": max(outstanding_at_rejection)}
                                         if outstanding_at_rejection else None),
            "results_got_while_submitting": drained,
            "pids": pids,
            "peak_rss_bytes": {k: v.get("VmHWM") for k, v in after.items()},
            "rss_before_bytes": {k: v.get("VmRSS") for k, v in before.items()},
            "peak_rss_before_bytes": {k: v.get("VmHWM") for k, v in before.items()},
            "rss_end_bytes": {k: v.get("VmRSS") for k, v in after.items()},
            "rss_timeline": sampler.samples,
            "results_checked": True,
        }
        return result
    finally:
        mod.shutdown()


def child_main(args) -> int:
    try:
        emit(run_mode(args))
        return 0
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        import traceback
        emit({"kind": "error", "mode": args.mode, "error": traceback.format_exc()})
        return 1 if not isinstance(e, KeyboardInterrupt) else 130


# --------------------------------------------------------------------------- parent

def run_child(mode: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode, "--calls", str(args.calls),
           "--limit", str(args.limit), "--batch", str(args.batch), "--drain", str(args.drain),
           "--actor-sleep-us", str(args.actor_sleep_us)]
    print(f"\n== {mode}: {args.calls:,} calls"
          + (", max_pending_calls unset" if mode == "unlimited" else
             f", max_pending_calls={args.limit}")
          + (f", actor sleeps {args.actor_sleep_us} us per call" if args.actor_sleep_us else ""),
          flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    records: list = []

    def reader():
        for line in proc.stdout:
            try:
                rec = json.loads(line)
            except ValueError:
                print(line, end="", file=sys.stderr)
                continue
            records.append(rec)
            if rec["kind"] == "start":
                print(f"   pids: {rec['pids']}; logs in {rec.get('session_dir')}", flush=True)
            elif rec["kind"] == "progress":
                extra = "".join(f", {k} {rec[k]}" for k in ("rejections", "driver_rss_mb")
                                if k in rec)
                print(f"   {rec['seconds']:8.1f}s  submitted {rec['submitted']:,}, "
                      f"got {rec['got']:,}{extra}", flush=True)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"   {mode} did not finish in {args.timeout:.0f}s; stopping it", flush=True)
        stacks = None
        try:
            stacks = subprocess.run(["py-spy", "dump", "--pid", str(proc.pid)],
                                    capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            pass
        proc.send_signal(signal.SIGINT)  # lets the child shut its cluster down
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        t.join(5)
        last = next((r for r in reversed(records) if r["kind"] == "progress"), None)
        return {"kind": "error", "mode": mode, "calls": args.calls,
                "error": f"timed out after {args.timeout:.0f}s (--timeout)",
                "last_progress": last, "driver_stack": stacks}
    t.join(5)
    result = next((r for r in records if r["kind"] in ("result", "error")), None)
    if result is None:
        result = {"kind": "error", "mode": mode,
                  "error": f"driver exited with status {proc.returncode} and no result"}
    result["child_seconds"] = round(time.monotonic() - t0, 1)
    if result["kind"] == "error":
        print(f"   {mode} FAILED:\n{result['error']}", file=sys.stderr, flush=True)
    return result


def mb(x) -> str:
    return "-" if x is None else f"{x / 2**20:,.0f}"


def table(results: list) -> str:
    head = ("| mode | calls | wall s | calls/s | driver peak RSS MB (before) | "
            "actor peak RSS MB (before) | limit hits | refs held at a hit (max) | "
            "unfinished calls when submitting ended |")
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        label = r["mode"]
        if r["kind"] == "result":
            label += (f", max_pending_calls={r['max_pending_calls']}" if r.get("max_pending_calls")
                      else ", max_pending_calls unset")
        if r["kind"] != "result":
            lines.append(f"| {label} | {r.get('calls', '')} | failed: "
                         f"{r['error'].strip().splitlines()[-1][:80]} | | | | | | |")
            continue
        peak, before = r["peak_rss_bytes"], r["rss_before_bytes"]
        lines.append(f"| {label} | {r['calls']:,} | {r['wall_seconds']:,.1f} | "
                     f"{r['calls_per_second']:,.0f} | {mb(peak['driver'])} "
                     f"({mb(before['driver'])}) | {mb(peak['actor'])} ({mb(before['actor'])}) | "
                     f"{r['rejections']:,} | "
                     f"{r['outstanding_at_rejection']['max'] if r['outstanding_at_rejection'] else 0:,} | "
                     f"{r['unfinished_when_submit_ended']:,} |")
    return "\n".join(lines)


def parent_main(args) -> int:
    sys.path.insert(0, BENCH_DIR)
    from microbenchmark import git_info, loadavg, machine_info, write_json

    doc = {"schema": 1, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
           "cwd": os.getcwd(), "git": git_info(), "machine": machine_info(),
           "settings": {"calls": args.calls, "limit": args.limit, "batch": args.batch,
                        "drain": args.drain, "actor_sleep_us": args.actor_sleep_us,
                        "modes": args.modes, "timeout": args.timeout},
           "loadavg_start": loadavg(), "complete": False, "results": []}
    print(f"{args.calls:,} calls per mode; modes {', '.join(args.modes)}; "
          f"load average {doc['loadavg_start']}; results -> {args.output}")
    for mode in args.modes:
        doc["results"].append(run_child(mode, args))
        write_json(args.output, doc)
    doc["loadavg_end"] = loadavg()
    doc["complete"] = True
    write_json(args.output, doc)
    print()
    print(table(doc["results"]))
    print(f"\nload average at start / end: {doc['loadavg_start']} / {doc['loadavg_end']}")
    print(f"results written to {args.output}")
    return 0 if all(r["kind"] == "result" for r in doc["results"]) else 1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=1_000_000,
                   help="calls per mode (default 1,000,000)")
    p.add_argument("--limit", type=int, default=1000,
                   help="max_pending_calls of the limited mode (default 1000)")
    p.add_argument("--batch", type=int, default=10_000,
                   help="results got per get() at the end of a mode (default 10,000)")
    p.add_argument("--drain", type=int, default=500,
                   help="outstanding results the limited mode gets each time the limit is hit "
                        "(default 500)")
    p.add_argument("--modes", default=",".join(MODES),
                   help="comma-separated modes to run, of: " + ", ".join(MODES))
    p.add_argument("--actor-sleep-us", type=int, default=0,
                   help="microseconds the actor's method sleeps per call (default 0: no-op)")
    p.add_argument("--timeout", type=float, default=900.0,
                   help="seconds a mode may take before it counts as hung (default 900)")
    p.add_argument("--output", default=DEFAULT_OUTPUT,
                   help="JSON file for the figures (default "
                        "bench/results/actor_flow_control_latest.json)")
    p.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in args.modes):
        p.error(f"--modes takes {', '.join(MODES)}")
    if min(args.calls, args.limit, args.batch, args.drain) < 1 or args.actor_sleep_us < 0:
        p.error("--calls, --limit, --batch and --drain must be >= 1, --actor-sleep-us >= 0")
    args.mode = args.child
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    return child_main(args) if args.child else parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
