"""Chaos soak (issue 15): a mixed workload on a 3-node cluster while processes are SIGKILLed.

    python3 bench/chaos_soak.py [--duration SECONDS] [--kill-interval SECONDS] [--seed N] [--record]

A `colony.cluster_utils.Cluster` of three raylets on this machine (the head, with the GCS,
and two worker nodes) runs these workloads from driver threads, every one with unlimited
retries (`max_retries=-1`, `max_restarts=-1`, `max_task_retries=-1`), so that no failure is
acceptable:

  tasks    a task returns a seeded 200k-element int64 array (1.6 MB: a shared-memory return),
           a second task takes that ref and sums it; both checked against numpy here. The
           last refs are kept and read again at the end (lineage reconstruction if their
           node died).
  nested   a task submits three children (each returns a seeded array) and returns the sum.
  actors   stateless actors (f(seed) = sum of the seeded array) and counter actors whose
           calls return (count, pid). A counter's check tolerates restarts but nothing else:
           each reply is the previous count + 1 from the same process, or 1 from a new
           process (a restart re-ran the constructor; calls in flight were retried there).
  puts     2 MB arrays put by the driver (they live on the head node's store), kept, read
           back at random and passed to tasks on other nodes, and all read again at the end.
  java     thread-hosted Java actors (xlang.Counter, restarts allowed like the Python
           counters: each reply is previous + 1 or start + 1) and Java tasks
           (xlang.MathJob.sumBytes over 256 KiB of seeded bytes). Skipped, with a note, when
           javac or the Java runtime is missing.

A chaos thread SIGKILLs, every --kill-interval seconds (with jitter), one random victim:

  worker   a Python worker process (a child of any raylet, the head's included)
  java     a Java worker JVM (a child of any raylet)
  raylet   a non-head raylet (its workers die with it); a replacement node is added so
           the cluster keeps three nodes

The first kills cover each kind once so a short run cannot pass without all of them. Never
killed: the driver, the GCS (no head fault tolerance yet) and the head's raylet (it holds
the driver's puts, which would be lost with it, as in Ray).

"Acknowledged" means a value the driver received from `get`. Each one is checked when it
arrives (a wrong value counts as lost); the kept refs are read and checked again at the end.
Any exception from the workload is an error: with unlimited retries none is expected. The
run exits 1 if anything was lost or wrong, any error happened, or a workload did not finish
within the drain timeout after chaos stopped.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import random
import shutil
import signal
import sys
import threading
import time
import traceback

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import colony  # noqa: F401
    if not hasattr(colony, "init"):
        raise ImportError
except ImportError:
    sys.path.insert(0, os.path.join(REPO, "python"))

import colony  # noqa: E402
from colony import cross_language  # noqa: E402
from colony.cluster_utils import Cluster  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "bench"))
from results_md import commit, machine, markdown_table, record  # noqa: E402

TASK_ELEMS = 200_000          # int64: 1.6 MB, above the inline limit
PUT_ELEMS = 262_144           # int64: 2 MB
JAVA_BYTES = 256 * 1024
GET_TIMEOUT = 600.0           # a hang shows up as GetTimeoutError, never as a silent wait
NODE_CPUS = 2
STORE_BYTES = 512 * 1024 * 1024
KEEP_REFS = 20                # acknowledged task results kept per workload for the final check
KEEP_PUTS = 40


def seeded_array(seed: int, n: int = TASK_ELEMS) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 1_000_000, n, dtype=np.int64)


def seeded_bytes(seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, JAVA_BYTES, dtype=np.uint8).tobytes()


# ------------------------------------------------------------------ remote code


@colony.remote(max_retries=-1, scheduling_strategy="SPREAD")
def make_array(seed):
    return seeded_array(seed)


@colony.remote(max_retries=-1)
def array_sum(a):
    return int(a.sum())


@colony.remote(max_retries=-1)
def child(seed):
    return seeded_array(seed)


@colony.remote(max_retries=-1, scheduling_strategy="SPREAD")
def parent(seed, k):
    refs = [child.remote(seed * 10 + i) for i in range(k)]
    return sum(int(a.sum()) for a in colony.get(refs))


@colony.remote(max_restarts=-1, max_task_retries=-1, scheduling_strategy="SPREAD")
class Compute:
    def f(self, seed):
        return int(seeded_array(seed).sum())


@colony.remote(max_restarts=-1, max_task_retries=-1, scheduling_strategy="SPREAD")
class Counter:
    def __init__(self):
        self.n = 0

    def incr(self):
        self.n += 1
        return self.n, os.getpid()


# ------------------------------------------------------------------ bookkeeping


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.verified = collections.Counter()   # acknowledged and correct, per workload
        self.lost = collections.Counter()       # acknowledged then wrong or gone
        self.errors = collections.Counter()     # any exception (none is expected)
        self.messages: list[str] = []
        self.restarts_seen = collections.Counter()

    def ok(self, what, n=1):
        with self.lock:
            self.verified[what] += n

    def lose(self, what, message):
        with self.lock:
            self.lost[what] += 1
            self._note(f"LOST {what}: {message}")

    def error(self, what, exc):
        with self.lock:
            self.errors[what] += 1
            self._note(f"ERROR {what}: {type(exc).__name__}: {exc}".replace("\n", " | ")[:600])

    def _note(self, line):
        if len(self.messages) < 50:
            self.messages.append(f"[{time.strftime('%H:%M:%S')}] {line}")
            print(line, flush=True)


class Workload(threading.Thread):
    name_ = "?"

    def __init__(self, stats: Stats, stop: threading.Event, seed: int):
        super().__init__(name=self.name_, daemon=True)
        self.stats, self.stop_event, self.rng = stats, stop, random.Random(seed)
        self.kept = collections.deque(maxlen=KEEP_REFS)   # (ref, check) for the final check

    def run(self):
        try:
            self.setup()
        except Exception as e:  # noqa: BLE001
            self.stats.error(self.name_ + " setup", e)
            traceback.print_exc()
            return
        while not self.stop_event.is_set():
            try:
                self.step()
            except Exception as e:  # noqa: BLE001 - every exception is reported as an error
                self.stats.error(self.name_, e)
                self.stop_event.wait(1.0)   # not a retry policy: only keeps a failing loop slow

    def setup(self):
        pass

    def seed(self):
        return self.rng.randrange(1 << 30)

    def final_check(self):
        """Reads the kept acknowledged results again."""
        for ref, check in list(self.kept):
            try:
                value = colony.get(ref, timeout=GET_TIMEOUT)
            except Exception as e:  # noqa: BLE001
                self.stats.lose(self.name_ + " (final)", f"{type(e).__name__}: {e}"[:400])
                continue
            problem = check(value)
            if problem:
                self.stats.lose(self.name_ + " (final)", problem)
            else:
                self.stats.ok(self.name_ + " (final)")


def array_check(seed, n=TASK_ELEMS):
    def check(a):
        if not isinstance(a, np.ndarray) or a.shape != (n,) or not np.array_equal(a, seeded_array(seed, n)):
            return f"array of seed {seed} differs"
        return None
    return check


class Tasks(Workload):
    name_ = "tasks"

    def step(self):
        seeds = [self.seed() for _ in range(4)]
        arrays = [make_array.remote(s) for s in seeds]
        sums = [array_sum.remote(r) for r in arrays]
        got = colony.get(arrays + sums, timeout=GET_TIMEOUT)
        for s, ref, a, total in zip(seeds, arrays, got[:4], got[4:]):
            problem = array_check(s)(a)
            if problem:
                self.stats.lose("tasks", problem)
            else:
                self.stats.ok("tasks")
                self.kept.append((ref, array_check(s)))
            if total != int(seeded_array(s).sum()):
                self.stats.lose("tasks", f"sum of seed {s} is {total}")
            else:
                self.stats.ok("tasks")
        del a, got


class Nested(Workload):
    name_ = "nested"

    def step(self):
        seeds = [self.seed() for _ in range(2)]
        refs = [parent.remote(s, 3) for s in seeds]
        for s, ref, total in zip(seeds, refs, colony.get(refs, timeout=GET_TIMEOUT)):
            want = sum(int(seeded_array(s * 10 + i).sum()) for i in range(3))
            if total != want:
                self.stats.lose("nested", f"parent({s}) = {total}, want {want}")
            else:
                self.stats.ok("nested")
                self.kept.append((ref, lambda v, want=want: None if v == want else f"{v} != {want}"))


class Actors(Workload):
    name_ = "actors"

    def setup(self):
        self.computes = [Compute.remote() for _ in range(2)]
        self.counters = [Counter.remote() for _ in range(2)]
        self.last = [(0, None)] * len(self.counters)   # (count, pid) last acknowledged

    def step(self):
        seeds = [self.seed() for _ in range(4)]
        refs = [self.computes[i % 2].f.remote(s) for i, s in enumerate(seeds)]
        for s, ref, v in zip(seeds, refs, colony.get(refs, timeout=GET_TIMEOUT)):
            want = int(seeded_array(s).sum())
            if v != want:
                self.stats.lose("actor calls", f"Compute.f({s}) = {v}, want {want}")
            else:
                self.stats.ok("actor calls")
                self.kept.append((ref, lambda x, want=want: None if x == want else f"{x} != {want}"))
        for i, counter in enumerate(self.counters):
            batch = [counter.incr.remote() for _ in range(5)]
            for n, pid in colony.get(batch, timeout=GET_TIMEOUT):
                last_n, last_pid = self.last[i]
                if pid == last_pid and n == last_n + 1:
                    self.stats.ok("actor calls")
                elif pid != last_pid and n == 1:
                    if last_pid is not None:
                        self.stats.restarts_seen["python counter"] += 1
                    self.stats.ok("actor calls")
                else:
                    self.stats.lose("actor calls", f"counter {i}: ({n}, pid {pid}) after "
                                                   f"({last_n}, pid {last_pid})")
                self.last[i] = (n, pid)


class Puts(Workload):
    name_ = "puts"

    def setup(self):
        self.held: dict[int, object] = {}

    def step(self):
        s = self.seed()
        self.held[s] = colony.put(seeded_array(s, PUT_ELEMS))
        if len(self.held) > KEEP_PUTS:
            del self.held[next(iter(self.held))]
        # Read one back here, and have a task (anywhere) read another one.
        s1 = self.rng.choice(list(self.held))
        problem = array_check(s1, PUT_ELEMS)(colony.get(self.held[s1], timeout=GET_TIMEOUT))
        if problem:
            self.stats.lose("objects", problem)
        else:
            self.stats.ok("objects")
        s2 = self.rng.choice(list(self.held))
        total = colony.get(array_sum.options(scheduling_strategy="SPREAD").remote(self.held[s2]),
                           timeout=GET_TIMEOUT)
        if total != int(seeded_array(s2, PUT_ELEMS).sum()):
            self.stats.lose("objects", f"task sum of put {s2} is {total}")
        else:
            self.stats.ok("objects")

    def final_check(self):
        self.kept.clear()
        for s, ref in self.held.items():
            self.kept.append((ref, array_check(s, PUT_ELEMS)))
        self.kept = collections.deque(self.kept)
        super().final_check()


class Java(Workload):
    name_ = "java"

    def setup(self):
        Counter = cross_language.java_actor_class("xlang.Counter").options(
            max_restarts=-1, max_task_retries=-1, scheduling_strategy="SPREAD")
        self.starts = [1000 * (i + 1) for i in range(3)]
        self.counters = [Counter.remote(start) for start in self.starts]
        self.last = list(self.starts)
        self.sum_bytes = cross_language.java_function("xlang.MathJob", "sumBytes").options(
            max_retries=-1, scheduling_strategy="SPREAD")

    def step(self):
        for i, counter in enumerate(self.counters):
            batch = [counter.increment.remote(1) for _ in range(5)]
            for v in colony.get(batch, timeout=GET_TIMEOUT):
                if v == self.last[i] + 1:
                    self.stats.ok("java calls")
                elif v == self.starts[i] + 1:   # a restart: the constructor ran again
                    self.stats.restarts_seen["java counter"] += 1
                    self.stats.ok("java calls")
                else:
                    self.stats.lose("java calls", f"Counter {i}: {v} after {self.last[i]}")
                self.last[i] = v
        seeds = [self.seed() for _ in range(2)]
        refs = [self.sum_bytes.remote(seeded_bytes(s)) for s in seeds]
        for s, ref, v in zip(seeds, refs, colony.get(refs, timeout=GET_TIMEOUT)):
            want = sum(seeded_bytes(s))
            if v != want:
                self.stats.lose("java calls", f"sumBytes({s}) = {v}, want {want}")
            else:
                self.stats.ok("java calls")
                self.kept.append((ref, lambda x, want=want: None if x == want else f"{x} != {want}"))


# ------------------------------------------------------------------ chaos


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _age_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _children(pids: set) -> list:
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X") and int(fields[1]) in pids:
            out.append(int(name))
    return out


class Chaos(threading.Thread):
    KINDS = ("worker", "java", "raylet")
    WEIGHTS = {"worker": 0.5, "java": 0.25, "raylet": 0.25}

    def __init__(self, cluster: Cluster, interval: float, seed: int, java: bool, node_args: dict,
                 min_victim_age: float = 0.0):
        super().__init__(name="chaos", daemon=True)
        self.min_victim_age = min_victim_age
        self.cluster, self.interval, self.node_args = cluster, interval, node_args
        self.rng = random.Random(seed)
        self.kinds = [k for k in self.KINDS if java or k != "java"]
        self.pending = self.rng.sample(self.kinds, len(self.kinds))   # each kind once first
        self.kills = collections.Counter()
        self.stop_event = threading.Event()
        # Raylets get PR_SET_PDEATHSIG, which fires when the *thread* that started them
        # exits: the replacement nodes started here would be SIGTERMed when this thread
        # ends. So it ends only after the cluster has been shut down (release).
        self.release = threading.Event()
        self.busy = threading.Lock()
        self.error: BaseException | None = None
        self.log: list[str] = []

    def victims(self, kind):
        nodes = self.cluster.list_all_nodes()
        if kind == "raylet":
            return [n for n in nodes if not n.is_head and n.alive()]
        fragment = "colony._private.worker_main" if kind == "worker" else "io.colony.runtime.WorkerMain"
        raylets = {n.raylet_pid for n in nodes if n.alive()}
        return [p for p in _children(raylets) if fragment in _cmdline(p)
                and _age_seconds(p) >= self.min_victim_age]

    def kill(self, kind) -> bool:
        with self.busy:
            if self.stop_event.is_set():
                return False
            return self._kill(kind)

    def _kill(self, kind) -> bool:
        victims = self.victims(kind)
        if not victims:
            return False
        victim = self.rng.choice(victims)
        if kind == "raylet":
            self.cluster.remove_node(victim, allow_graceful=False)
            self.kills[kind] += 1
            self.log.append(f"{time.strftime('%H:%M:%S')} killed raylet {victim.node_id[:8]}")
            self.cluster.add_node(**self.node_args)   # keep three nodes
            return True
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return False
        self.kills[kind] += 1
        self.log.append(f"{time.strftime('%H:%M:%S')} killed {kind} pid {victim}")
        return True

    def run(self):
        try:
            while not self.stop_event.wait(self.interval * self.rng.uniform(0.5, 1.5)):
                # Kinds not killed yet go first; when none of them has a victim right
                # now (no JVM started yet), a random kind does.
                done = next((k for k in list(self.pending) if self.kill(k)), None)
                if done is not None:
                    self.pending.remove(done)
                    continue
                kind = self.rng.choices(self.kinds, [self.WEIGHTS[k] for k in self.kinds])[0]
                self.kill(kind)
        except BaseException as e:  # noqa: BLE001 - reported; the soak fails
            self.error = e
            traceback.print_exc()
        self.release.wait()


# ------------------------------------------------------------------ main


def java_classes() -> str | None:
    """xlang_tests/java compiled (as xlang_tests/conftest.py does), or None without Java."""
    from colony._private.node import bin_dir
    classpath_file = os.path.join(bin_dir(), "java_classpath.txt")
    if shutil.which("javac") is None or shutil.which("java") is None:
        print("note: javac/java not found: the Java part of the soak is skipped", flush=True)
        return None
    if not os.path.exists(classpath_file):
        print(f"note: {classpath_file} is missing: the Java part of the soak is skipped", flush=True)
        return None
    sys.path.insert(0, os.path.join(REPO, "bench"))
    from java_fixtures import compile_java_fixtures
    return compile_java_fixtures()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of chaos (600)")
    ap.add_argument("--kill-interval", type=float, default=4.0,
                    help="mean seconds between kills (4; each wait is 0.5x to 1.5x this)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--drain-timeout", type=float, default=900.0,
                    help="seconds the workloads get to finish after chaos stops (900)")
    ap.add_argument("--no-java", action="store_true", help="skip the Java part")
    ap.add_argument("--min-victim-age", type=float, default=0.0,
                    help="kill only worker processes at least this many seconds old (0). "
                         "A raylet fails a job's pending leases after 3 worker starts in a row "
                         "die before registering, whatever max_retries (open issue; see "
                         "bench/RESULTS.md): a few seconds keep the chaos off starting workers")
    ap.add_argument("--workloads", default="tasks,nested,actors,puts,java",
                    help="comma-separated subset to run (to narrow a problem down)")
    ap.add_argument("--record", action="store_true", help="add a section to bench/RESULTS.md")
    args = ap.parse_args(argv)

    classes = None if args.no_java else java_classes()
    node_args = {"num_cpus": NODE_CPUS, "object_store_memory": STORE_BYTES}
    cluster = Cluster(head_node_args=node_args, health_check_timeout_ms=2000)
    stats, stop = Stats(), threading.Event()
    chaos = None
    started = time.monotonic()
    try:
        cluster.add_node(**node_args)
        cluster.add_node(**node_args)
        job = colony.JobConfig(code_search_path=[classes] if classes else [])
        cluster.connect(job_config=job)
        cluster.wait_for_nodes(timeout=120)
        wanted = set(args.workloads.split(","))
        kinds = [k for k in (Tasks, Nested, Actors, Puts) if k.name_ in wanted]
        kinds += [Java] if classes and "java" in wanted else []
        workloads = [k(stats, stop, args.seed * 100 + i) for i, k in enumerate(kinds)]
        for w in workloads:
            w.start()
        chaos = Chaos(cluster, args.kill_interval, args.seed, classes is not None, node_args,
                      args.min_victim_age)
        chaos.start()
        deadline = started + args.duration
        next_report = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= next_report:
                next_report += 30
                print(f"[{time.monotonic() - started:.0f}s] kills {dict(chaos.kills)} "
                      f"verified {dict(stats.verified)} lost {sum(stats.lost.values())} "
                      f"errors {sum(stats.errors.values())}", flush=True)
        chaos.stop_event.set()
        with chaos.busy:   # waits for a kill in progress (a replacement node starting)
            pass
        chaos_seconds = time.monotonic() - started
        stop.set()
        drain_start = time.monotonic()
        hung = []
        for w in workloads:
            w.join(max(1.0, args.drain_timeout - (time.monotonic() - drain_start)))
            if w.is_alive():
                hung.append(w.name_)
        drain_seconds = time.monotonic() - drain_start
        for name in hung:
            stats.lose(name, f"did not finish within {args.drain_timeout:.0f} s after chaos stopped")
        if not hung:
            for w in workloads:
                w.final_check()
    finally:
        # A hung workload thread is a daemon: shutting the cluster down ends it.
        try:
            cluster.shutdown()
        except Exception:  # noqa: BLE001
            traceback.print_exc()
        if chaos is not None:
            chaos.release.set()
            chaos.join()

    lost = sum(stats.lost.values())
    errors = sum(stats.errors.values()) + (1 if chaos.error else 0)
    kill_kinds = ["worker", "java", "raylet"]
    rows = [("duration of chaos (s)", f"{chaos_seconds:.0f}"),
            ("drain after chaos stopped (s)", f"{drain_seconds:.1f}"),
            ("kill interval (s, mean)", f"{args.kill_interval:g}"),
            ("seed", args.seed),
            ("min victim age (s)", f"{args.min_victim_age:g}")]
    rows += [(f"kills: {k}", chaos.kills[k] if (k != "java" or classes) else "skipped (no Java)")
             for k in kill_kinds]
    labels = {"tasks": "task results verified", "nested": "nested task results verified",
              "actor calls": "actor call results verified", "objects": "object reads verified",
              "java calls": "Java call results verified"}
    for key, label in labels.items():
        if key == "java calls" and not classes:
            rows.append((label, "skipped (no Java)"))
        else:
            rows.append((label, f"{stats.verified[key]:,}"))
    finals = sum(v for k, v in stats.verified.items() if k.endswith("(final)"))
    rows.append(("kept results re-read at the end", f"{finals:,}"))
    rows.append(("actor restarts seen by counter checks",
                 ", ".join(f"{k} {v}" for k, v in sorted(stats.restarts_seen.items())) or "0"))
    rows.append(("lost or wrong", lost))
    rows.append(("errors (unexpected exceptions)", errors))
    text = markdown_table(["what", "value"], rows)
    print()
    print(text)
    if stats.messages:
        print("\nfirst problems:")
        for m in stats.messages:
            print("  " + m)
    if chaos.error:
        print(f"chaos thread failed: {chaos.error!r}")
    ok = lost == 0 and errors == 0
    print("\nPASS" if ok else "\nFAIL")

    if args.record:
        now = datetime.datetime.now(datetime.timezone.utc)
        command = "python3 bench/chaos_soak.py" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
        section = (f"## {now:%Y-%m-%d}: chaos soak, {args.duration:.0f} s (issue 15)\n\n"
                   f"`bench/chaos_soak.py`: tasks, nested tasks, Python actors, driver puts and "
                   f"Java actors and tasks, all with unlimited retries and restarts, on a "
                   f"3-node `Cluster` (2 CPUs and a 512 MiB store per node) while a chaos "
                   f"thread SIGKILLs Python workers, Java worker JVMs and non-head raylets "
                   f"(each raylet replaced by a new node). The GCS and the head's raylet are "
                   f"never killed. {'Result: **pass**' if ok else 'Result: **FAIL**'}.\n\n"
                   f"- date: {now.isoformat(timespec='seconds')}\n"
                   f"- commit: {commit()}\n"
                   f"- machine: {machine()}\n"
                   f"- command: `{command}`\n\n{text}\n")
        if stats.messages:
            section += "\nProblems:\n\n" + "\n".join(f"- {m}" for m in stats.messages[:20]) + "\n"
        record(section)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
