"""Worker output reaches its driver (docs/observability.md): what tasks and actors print,
prefixed "(name pid=N node=XXXXXXXX)", from every node, repeats folded, never another
job's; `colony.init(log_to_driver=False)` turns it off; `colony logs` reads any process's
log file on any node.

Drivers run as subprocesses (their stdout and stderr are what a user sees); each test waits
for the lines it expects with a deadline and never sleeps for them.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from colony import _core
from colony.cluster_utils import Cluster
from colony_testutil import subprocess_env

DEADLINE = 90.0
PREFIX = r"\((?P<name>[\w.]+) pid=(?P<pid>\d+) node=(?P<node>[0-9a-f]{8})\) "


class Driver:
    """A driver program in a subprocess; its output lines are collected as they come. The
    program ends when the test closes its stdin (`wait_for_stdin_close()` in the code)."""

    PRELUDE = textwrap.dedent("""
        import sys, colony
        def wait_for_stdin_close():
            sys.stdin.read()
    """)

    def __init__(self, code: str, env: dict | None = None, argv: list | None = None):
        """`argv`: another program to run instead (a Java driver)."""
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-u", "-c", self.PRELUDE + textwrap.dedent(code)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=subprocess_env(**(env or {})), text=True)
        self.lines = {"out": [], "err": []}
        self._cv = threading.Condition()
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._collect, args=(name, stream), daemon=True).start()

    def _collect(self, name, stream):
        for line in stream:
            with self._cv:
                self.lines[name].append(line.rstrip("\n"))
                self._cv.notify_all()

    def wait_line(self, pattern: str, stream: str = "out", timeout: float = DEADLINE):
        """The first line of `stream` matching the regex `pattern` (waits for it)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.lines[stream]:
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._cv.wait(0.5)):
                    raise AssertionError(
                        f"no line matching {pattern!r} on std{stream} within {timeout}s; "
                        f"exit code {self.proc.poll()}\nstdout:\n" + "\n".join(self.lines["out"])
                        + "\nstderr:\n" + "\n".join(self.lines["err"]))
                self._cv.wait(min(left, 0.5))

    def matching(self, pattern: str, stream: str = "out") -> list:
        with self._cv:
            return [line for line in self.lines[stream] if re.search(pattern, line)]

    def finish(self, timeout: float = 60.0) -> int:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def test_task_actor_and_nested_output_reach_the_driver():
    d = Driver("""
        import os, time
        colony.init(num_cpus=2)
        @colony.remote
        def square(x):
            print("square got", x)
            print("square warns", x, file=sys.stderr)
            return x * x
        @colony.remote
        def inner():
            print("inner speaks")
            return os.getpid()
        @colony.remote
        def outer():
            return colony.get(inner.remote())
        @colony.remote
        class Counter:
            def inc(self):
                print("counter at work")
                return os.getpid()
        assert colony.get(square.remote(3)) == 9
        inner_pid = colony.get(outer.remote())
        actor_pid = colony.get(Counter.remote().inc.remote())
        node = colony.get_runtime_context().get_node_id()[:8]
        print("PIDS", inner_pid, actor_pid, node)
        wait_for_stdin_close()
    """)
    try:
        pids = d.wait_line(r"^PIDS (\d+) (\d+) ([0-9a-f]{8})$")
        inner_pid, actor_pid, node = pids.group(1), pids.group(2), pids.group(3)
        m = d.wait_line(PREFIX + r"square got 3$")
        assert m.group("name") == "square" and m.group("node") == node
        m = d.wait_line(PREFIX + r"square warns 3$", stream="err")
        assert m.group("name") == "square"
        m = d.wait_line(PREFIX + r"inner speaks$")
        assert (m.group("name"), m.group("pid")) == ("inner", inner_pid)
        m = d.wait_line(PREFIX + r"counter at work$")
        assert (m.group("name"), m.group("pid")) == ("Counter", actor_pid)
        # Marker lines name what runs; they are never shown.
        assert not d.matching(":colony-") and not d.matching(":colony-", "err")
    finally:
        assert d.finish() == 0


def test_repeated_lines_are_folded():
    d = Driver("""
        colony.init(num_cpus=2)
        @colony.remote
        def chatty(i):
            print("the same line")
            print("distinct", i)
        colony.get([chatty.remote(i) for i in range(6)])
        print("SUBMITTED")
        wait_for_stdin_close()
    """, env={"COLONY_DEDUP_LOGS_AGG_WINDOW_S": "20"})
    try:
        for i in range(6):
            d.wait_line(PREFIX + rf"distinct {i}$")
        d.wait_line(PREFIX + r"the same line \[repeated \d+x across cluster\]$")
        plain = d.matching(PREFIX + r"the same line$")
        folded = [int(re.search(r"repeated (\d+)x", line).group(1))
                  for line in d.matching(r"the same line \[repeated")]
        # Every print is accounted for, and most were folded.
        assert len(plain) + sum(folded) == 6, d.lines["out"]
        assert len(plain) < 6
    finally:
        assert d.finish() == 0


@pytest.fixture
def two_node_cluster():
    cluster = Cluster(head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)  # registered with the GCS once add_node returns
        yield cluster
    finally:
        cluster.shutdown()


def _driver_env(cluster) -> dict:
    return {"COLONY_ADDRESS": cluster.gcs_address, "COLONY_CLUSTER_TOKEN": cluster._token}


def test_output_from_every_node_and_only_to_its_own_job(two_node_cluster):
    cluster = two_node_cluster
    code = """
        from colony.util.scheduling_strategies import NodeAffinitySchedulingStrategy
        colony.init()
        tag = sys.argv[1] if len(sys.argv) > 1 else "{tag}"
        @colony.remote(num_cpus=1)
        def where(tag):
            print("hello from", tag, colony.get_runtime_context().get_node_id()[:8])
        nodes = [n["NodeID"] for n in colony.nodes() if n["Alive"]]
        colony.get([where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False))
                    .remote(tag) for n in nodes])
        print("NODES", " ".join(n[:8] for n in nodes))
        wait_for_stdin_close()
    """
    a = Driver(code.replace("{tag}", "job-a"), env=_driver_env(cluster))
    b = Driver(code.replace("{tag}", "job-b"), env=_driver_env(cluster))
    try:
        for d, tag in ((a, "job-a"), (b, "job-b")):
            nodes = d.wait_line(r"^NODES (.+)$").group(1).split()
            assert len(nodes) == 2
            for node in nodes:
                m = d.wait_line(PREFIX + rf"hello from {tag} {node}$")
                assert m.group("node") == node and m.group("name") == "where"
        assert not a.matching("job-b") and not b.matching("job-a")
    finally:
        assert a.finish() == 0
        assert b.finish() == 0


def test_log_to_driver_false_prints_nothing_of_the_workers(two_node_cluster):
    cluster = two_node_cluster
    d = Driver("""
        colony.init(log_to_driver=False)
        @colony.remote
        def quiet(i):
            print("quiet task", i)
        colony.get(quiet.remote(1))
        print("JOB", colony.get_runtime_context().get_job_id())
        sys.stdin.readline()
        colony.get(quiet.remote(2))
        print("SECOND DONE")
        wait_for_stdin_close()
    """, env=_driver_env(cluster))
    try:
        job = d.wait_line(r"^JOB ([0-9a-f]+)$").group(1)
        # The test subscribes to the job itself: the lines were published, the driver
        # just does not print them.
        _core.start_log_subscriber(cluster.gcs_address, cluster._token, job, 0)
        try:
            seen = []
            deadline = time.monotonic() + DEADLINE
            d.proc.stdin.write("go\n")
            d.proc.stdin.flush()
            while not any("quiet task 2" in text.decode() for _, text in seen):
                assert time.monotonic() < deadline, f"job {job}'s output never published: {seen}"
                seen += _core.next_log_lines(500) or []
            assert any("quiet task 1" in text.decode() for _, text in seen)
        finally:
            _core.stop_log_subscriber()
            _core.release_log_subscriber()
        d.wait_line(r"^SECOND DONE$")
        assert not d.matching("quiet task") and not d.matching("quiet task", "err")
    finally:
        assert d.finish() == 0


# ---- `colony logs` on a `colony start` cluster

class _Cli:
    """The CLI with a private TMPDIR (its own cluster file and session folders)."""

    def __init__(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="clogs", dir="/tmp")
        self.env = subprocess_env(TMPDIR=self.tmp)
        self.env.pop("COLONY_CLUSTER_TOKEN", None)

    def run(self, *args, timeout=120):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def popen(self, *args):
        return subprocess.Popen([sys.executable, "-u", "-m", "colony.scripts.cli", *args],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL)

    def driver(self, code, timeout=120):
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=self.env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)


@pytest.fixture
def cli():
    import shutil
    c = _Cli()
    yield c
    c.run("stop", "--grace", "3")
    shutil.rmtree(c.tmp, ignore_errors=True)


def test_colony_logs_lists_and_reads_any_processs_log(cli):
    started = cli.run("start", "--head", "--num-cpus", "2")
    assert started.returncode == 0, started.stdout + started.stderr
    run = cli.driver("""
        import os, colony
        colony.init(address="auto", log_to_driver=False, namespace="logs")
        @colony.remote
        def noisy(tag):
            print("task-output", tag)
            return colony.get_runtime_context().get_task_id(), os.getpid()
        @colony.remote
        class Keeper:
            def speak(self):
                print("actor-output")
                return colony.get_runtime_context().get_actor_id()
        first, pid = colony.get(noisy.remote("first"))
        second, _ = colony.get(noisy.remote("second"))
        keeper = Keeper.options(name="keeper", lifetime="detached").remote()
        actor = colony.get(keeper.speak.remote())
        print("IDS", first, second, pid, actor, colony.get_runtime_context().get_job_id())
    """)
    assert run.returncode == 0, run.stdout + run.stderr
    first, second, pid, actor, job = re.search(r"^IDS (\S+) (\S+) (\d+) (\S+) (\S+)$",
                                               run.stdout, re.M).groups()

    listing = cli.run("logs")
    assert listing.returncode == 0, listing.stderr
    for name in ("gcs.log", "raylet.log", "worker-"):
        assert name in listing.stdout, listing.stdout
    assert f"worker pid {pid}, job {job}" in listing.stdout

    raylet = cli.run("logs", "raylet.log")
    assert raylet.returncode == 0 and "registered with the GCS" in raylet.stdout, raylet.stderr

    # The workers' output has reached their files by the time the calls returned (each
    # print is flushed at its newline).
    task = cli.run("logs", "--task", first)
    assert task.returncode == 0, task.stderr
    assert "task-output first" in task.stdout
    assert "task-output second" not in task.stdout and "actor-output" not in task.stdout
    assert ":colony-" not in task.stdout

    by_actor = cli.run("logs", "--actor", actor)
    assert by_actor.returncode == 0 and "actor-output" in by_actor.stdout, by_actor.stderr
    assert "task-output" not in by_actor.stdout

    by_job = cli.run("logs", "--job", job)
    assert by_job.returncode == 0, by_job.stderr
    assert "task-output first" in by_job.stdout and "actor-output" in by_job.stdout

    by_pid = cli.run("logs", "--worker", pid)
    assert by_pid.returncode == 0 and "task-output second" in by_pid.stdout, by_pid.stderr

    missing = cli.run("logs", "--task", "ab" * 12)
    assert missing.returncode == 1 and "no logs for output of task" in missing.stderr
    bad = cli.run("logs", "--node", "zzzz", "raylet.log")
    assert bad.returncode == 1 and "no live node matches 'zzzz'" in bad.stderr

    # --follow prints what the actor prints later.
    follow = cli.popen("logs", "--follow", "--actor", actor)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in follow.stdout], daemon=True).start()
        again = cli.driver("""
            import colony
            colony.init(address="auto", log_to_driver=False, namespace="logs")
            colony.get(colony.get_actor("keeper").speak.remote())
            print("SPOKE")
        """)
        assert again.returncode == 0, again.stderr
        deadline = time.monotonic() + DEADLINE
        seen = []
        # The first call's line, then the new one (prefixed with their file: the actor's
        # stdout and stderr files are both followed).
        while sum(line.endswith(" actor-output") for line in seen) < 2:
            left = deadline - time.monotonic()
            assert left > 0, f"--follow printed {seen}; stderr: {follow.stderr.read() if follow.poll() is not None else ''}"
            try:
                seen.append(lines.get(timeout=min(left, 1.0)).rstrip("\n"))
            except queue.Empty:
                pass
    finally:
        follow.kill()
        follow.wait()


JAVA_PRINTER = """
public class LogPrinter {
  public LogPrinter() {
    System.out.println("java actor created");
  }
  public String speak(String word) {
    System.out.println("java says " + word);
    System.err.println("java warns " + word);
    return word;
  }
}
"""


def test_java_actor_output_reaches_a_python_driver(tmp_path):
    import shutil
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs it)")
    (tmp_path / "LogPrinter.java").write_text(JAVA_PRINTER)
    subprocess.run(["javac", "-d", str(tmp_path), str(tmp_path / "LogPrinter.java")], check=True)
    d = Driver(f"""
        from colony import cross_language
        colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[{str(tmp_path)!r}]))
        printer = cross_language.java_actor_class("LogPrinter").remote()
        assert colony.get(printer.speak.remote("hi")) == "hi"
        print("CALLED")
        wait_for_stdin_close()
    """)
    try:
        d.wait_line(r"^CALLED$")
        m = d.wait_line(PREFIX + r"java says hi$")
        assert m.group("name") == "LogPrinter"
        d.wait_line(PREFIX + r"java actor created$")
        m = d.wait_line(PREFIX + r"java warns hi$", stream="err")
        assert m.group("name") == "LogPrinter"
        # A real SLF4J binding: no "no providers" warnings from the JVM's libraries.
        assert not d.matching("SLF4J", "err"), d.lines["err"]
    finally:
        assert d.finish() == 0


JAVA_DRIVER = """
import io.colony.api.Colony;

public class LogDriver {
  public static int shout(int x) {
    System.out.println("java task shouts " + x);
    return x;
  }

  public static void main(String[] args) throws Exception {
    Colony.init();
    System.out.println("result=" + Colony.get(Colony.task(LogDriver::shout, 7).remote()));
    while (System.in.read() >= 0) {} // until the test closes stdin
    Colony.shutdown();
  }
}
"""


def test_java_driver_prints_its_workers_output(tmp_path):
    import shutil
    from colony._private.node import bin_dir
    from colony_testutil import java_runtime_classpath
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs it)")
    classpath = java_runtime_classpath()
    (tmp_path / "LogDriver.java").write_text(JAVA_DRIVER)
    subprocess.run(["javac", "-cp", classpath, "-d", str(tmp_path), str(tmp_path / "LogDriver.java")],
                   check=True)
    d = Driver("", env={"COLONY_BIN_DIR": bin_dir(), "COLONY_NUM_CPUS": "1"},
               argv=["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                     f"{tmp_path}:{classpath}", "LogDriver"])
    try:
        d.wait_line(r"^result=7$")
        m = d.wait_line(PREFIX + r"java task shouts 7$")
        assert m.group("name") == "LogDriver.shout" or m.group("name").endswith("shout"), m.group(0)
        assert not d.matching("SLF4J", "err"), d.lines["err"]
    finally:
        assert d.finish() == 0
