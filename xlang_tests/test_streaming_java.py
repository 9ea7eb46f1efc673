"""A Python-built streaming job with Java operators (docs/streaming.md): Python source ->
Java map -> Java key_by -> Python keyed process -> sink, records crossing as XLANG both ways, and
the same with a Java operator's JVM SIGKILLed mid-stream. Skipped only while the Java
operator actor class (io.colony.streaming.runtime.OperatorActor, the java/streaming module)
is not built."""

import collections
import glob
import os
import signal
import subprocess
import time
import zipfile

import pytest

import colony
from colony.streaming import (CheckpointConfig, FileSink, FINISHED, StreamingContext,
                              java_operator, read_file_sink)
from colony_testutil import child_pids, java_runtime_classpath, process_cmdline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPERATOR_CLASS = "io/colony/streaming/runtime/OperatorActor.class"


def _has_class(entry: str) -> bool:
    if os.path.isdir(entry):
        return os.path.exists(os.path.join(entry, OPERATOR_CLASS))
    if entry.endswith(".jar") and os.path.exists(entry):
        with zipfile.ZipFile(entry) as z:
            return OPERATOR_CLASS in z.namelist()
    return False


def streaming_classpath():
    """Entries that hold the Java streaming runtime: [] when the workers' classpath has it
    already, else the module's build output; None when it is not built."""
    runtime = java_runtime_classpath().split(os.pathsep)
    if any(_has_class(e) for e in runtime):
        return []
    built = [p for p in [*glob.glob(os.path.join(ROOT, "java/streaming/target/*.jar")),
                         os.path.join(ROOT, "java/streaming/target/classes")] if _has_class(p)]
    return built[:1] or None


def streaming_dependencies(tmp_dir) -> list:
    """The streaming module's runtime dependencies that the workers' classpath lacks (JSON
    plan parsing: protobuf-java-util, gson, ...), from Maven's local repository."""
    out = os.path.join(tmp_dir, "deps.txt")
    subprocess.run(["mvn", "-q", "-B", "-o", "dependency:build-classpath", "-DincludeScope=runtime",
                    f"-Dmdep.outputFile={out}"], cwd=os.path.join(ROOT, "java/streaming"),
                   check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        deps = f.read().strip().split(os.pathsep)
    have = set(java_runtime_classpath().split(os.pathsep))
    return [d for d in deps if d and d not in have]


STREAMING_CP = streaming_classpath()
pytestmark = pytest.mark.skipif(STREAMING_CP is None,
                                reason="io.colony.streaming.runtime.OperatorActor is not built")


@pytest.fixture(scope="module")
def mixed_cluster(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("stream-java"))
    sources = glob.glob(os.path.join(HERE, "streaming_java", "**", "*.java"), recursive=True)
    extra = STREAMING_CP + (streaming_dependencies(out) if STREAMING_CP else [])
    cp = os.pathsep.join([java_runtime_classpath(), *extra])
    subprocess.run(["javac", "-cp", cp, "-d", out, *sources], check=True)
    colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[out, *extra]))
    yield
    colony.shutdown()


def paced_numbers(go_file=None):
    """"0" .. "1199"; after the first third it crawls until `go_file` exists, so a test can
    kill an operator mid-stream however loaded the machine is."""
    def numbers(instance, parallelism):
        for i in range(instance, 1200, parallelism):
            if go_file and i >= 400 and not os.path.exists(go_file):
                time.sleep(0.02)
            yield str(i)
    return numbers


def build(out, go_file=None):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=250))
    (ctx.from_generator(paced_numbers(go_file))
        .map(java_operator("streamtest.Parse"))
        .key_by(java_operator("streamtest.Mod3"))
        .process(count_per_key)
        .sink(FileSink(out)))
    return ctx


def count_per_key(count, key, x):
    """Keyed state: the key's running count. Each output [key, count, x] names its input, so
    the check below does not depend on the order the parallel Java instances deliver in."""
    count = (count or 0) + 1
    return count, [[key, count, x]]


def expected():
    """Every number exactly once, and per key the counts 1..n."""
    per_key = collections.Counter(i % 3 for i in range(1200))
    return sorted(range(1200)), {k: list(range(1, n + 1)) for k, n in per_key.items()}


def outputs(folder):
    records = read_file_sink(folder)
    counts = collections.defaultdict(list)
    for key, count, _ in records:
        counts[key].append(count)
    return sorted(x for _, _, x in records), {k: sorted(v) for k, v in counts.items()}


def test_python_job_with_java_operators(mixed_cluster, tmp_path):
    job = build(str(tmp_path)).execute("mixed")
    assert job.wait(120) == FINISHED, job.error
    assert outputs(str(tmp_path)) == expected()


def java_worker_pids() -> list:
    """JVMs the cluster's raylet (a child of this driver) started."""
    return [p for raylet in child_pids(os.getpid()) for p in child_pids(raylet)
            if "io.colony.runtime.WorkerMain" in process_cmdline(p)]


def test_sigkill_of_a_java_operator_jvm_keeps_exactly_once(mixed_cluster, tmp_path):
    go = str(tmp_path / "go")
    job = build(str(tmp_path / "out"), go).execute("mixed-kill")
    deadline = time.monotonic() + 60
    victim = ("1-map", 0)
    while job.last_checkpoint < 2:
        assert job.status == "RUNNING", job.error
        assert time.monotonic() < deadline, "no second checkpoint within 60 s"
        time.sleep(0.05)
    # the instance's pid as it reports it, else every JVM of the job (only operators run Java)
    pid = job.instance_pids().get(victim)
    victims = [pid] if pid else java_worker_pids()
    assert victims, "no Java worker found"
    assert job.status == "RUNNING", "the job ended before the kill"
    for p in victims:
        os.kill(p, signal.SIGKILL)
    open(go, "w").close()
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    assert outputs(str(tmp_path / "out")) == expected()


def test_java_generator_source_feeds_python_operators(mixed_cluster, tmp_path):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=200))
    (ctx.from_generator(java_operator("streamtest.Numbers"), parallelism=2)
        .map(lambda x: x * 2).sink(FileSink(str(tmp_path))))
    assert ctx.plan("j").operators[0].language == "JAVA"
    job = ctx.execute("java-source")
    assert job.wait(120) == FINISHED, job.error
    assert sorted(read_file_sink(str(tmp_path))) == [2 * i for i in range(1000)]


def test_arrow_batches_cross_to_a_java_operator(mixed_cluster, tmp_path):
    """Records that are pyarrow RecordBatches cross to a Java operator as Arrow (XLANG
    extension type 4) and arrive there as VectorSchemaRoots."""
    import pyarrow as pa

    ctx = StreamingContext(parallelism=1)
    (ctx.from_collection(list(range(0, 1000, 10)))
        .map(lambda start: pa.record_batch({"n": list(range(start, start + 10))}))
        .map(java_operator("streamtest.ArrowRows"))
        .sink(FileSink(str(tmp_path))))
    job = ctx.execute("arrow")
    assert job.wait(120) == FINISHED, job.error
    got = sorted(tuple(r) for r in read_file_sink(str(tmp_path)))
    assert got == [(s, sum(range(s, s + 10))) for s in range(0, 1000, 10)]
