#!/usr/bin/env python3
"""One driver queues a million no-op tasks, then gets them all: memory while they queue.

The driver submits N tasks as fast as it can (holding every ObjectRef, as
`refs = [f.remote() for _ in range(N)]` does), then gets them. A sampler thread reads the
resident memory (VmRSS) of the driver, the raylet and the GCS every 0.2 s. Reported: submit
and completion rates, peak RSS of each process, and the driver's growth per queued task.
The raylet must not grow with the queue: tasks wait in the driver, which asks its raylet
for a bounded number of leases per scheduling key.

    python3 bench/queued_tasks.py [--tasks 1000000] [--engine colony|ray] [--output FILE]

`--engine ray` runs the same workload on Ray (run it with the Python of the Ray venv that
bench/setup_ray_venv.sh makes: bench/.ray-venv/bin/python).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import threading
import time

# The daemons of each engine, by the name their processes run under.
DAEMONS = {"colony": {"raylet": "colony-raylet", "gcs": "colony-gcs"},
           "ray": {"raylet": "raylet", "gcs": "gcs_server"}}


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def find_process(name: str) -> int | None:
    """The newest process whose executable's base name is `name`."""
    found = None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if os.path.basename(argv0) == name and (found is None or int(entry) > found):
            found = int(entry)
    return found


class Sampler(threading.Thread):
    def __init__(self, pids: dict[str, int], period: float = 0.2):
        super().__init__(daemon=True)
        self.pids = pids
        self.period = period
        self.peak = {name: 0.0 for name in pids}
        self.stop_event = threading.Event()

    def now(self) -> dict[str, float]:
        return {name: rss_mb(pid) for name, pid in self.pids.items()}

    def run(self) -> None:
        while not self.stop_event.is_set():
            for name, value in self.now().items():
                self.peak[name] = max(self.peak[name], value)
            time.sleep(self.period)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=sorted(DAEMONS), default="colony")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--output", help="write the figures as JSON here")
    args = parser.parse_args()

    engine = importlib.import_module(args.engine)
    engine.init(num_cpus=args.num_cpus)

    @engine.remote
    def noop():
        return None

    engine.get([noop.remote() for _ in range(100)])  # workers up
    pids = {"driver": os.getpid()}
    for role, name in DAEMONS[args.engine].items():
        pid = find_process(name)
        if pid is not None:
            pids[role] = pid
    sampler = Sampler(pids)
    before = sampler.now()
    sampler.start()

    start = time.perf_counter()
    refs = []
    checkpoints = []
    for i in range(args.tasks):
        refs.append(noop.remote())
        if (i + 1) % (args.tasks // 10 or 1) == 0:
            checkpoints.append({"submitted": i + 1, "seconds": time.perf_counter() - start,
                                **{f"{k}_mb": round(v, 1) for k, v in sampler.now().items()}})
            print(f"submitted {i + 1:>9,}  "
                  + "  ".join(f"{k} {v:7.1f} MB" for k, v in sampler.now().items()), flush=True)
    submitted = time.perf_counter() - start
    after_submit = sampler.now()
    engine.get(refs)
    done = time.perf_counter() - start
    sampler.stop_event.set()
    sampler.join()
    del refs

    figures = {
        "engine": args.engine,
        "tasks": args.tasks,
        "submit_per_s": args.tasks / submitted,
        "complete_per_s": args.tasks / done,
        "seconds": done,
        "rss_before_mb": before,
        "rss_after_submit_mb": after_submit,
        "rss_peak_mb": sampler.peak,
        "driver_bytes_per_queued_task":
            (after_submit["driver"] - before["driver"]) * 1024 * 1024 / args.tasks,
        "checkpoints": checkpoints,
    }
    print()
    print(f"{args.engine}: {args.tasks:,} tasks, submitted at {figures['submit_per_s']:,.0f}/s, "
          f"all done after {done:.1f} s ({figures['complete_per_s']:,.0f}/s)")
    print(f"{'process':<8} {'before MB':>10} {'after submit MB':>16} {'peak MB':>9}")
    for name in pids:
        print(f"{name:<8} {before[name]:>10.1f} {after_submit[name]:>16.1f} "
              f"{sampler.peak[name]:>9.1f}")
    print(f"driver growth per queued task: {figures['driver_bytes_per_queued_task']:.0f} bytes")
    if args.output:
        with open(args.output, "w") as f:
            json.dump(figures, f, indent=2)
    engine.shutdown()


if __name__ == "__main__":
    main()
