"""A Python-built streaming job with Java operators (docs/streaming.md): Python source ->
Java map -> Java key_by -> Python reduce -> sink, records crossing as XLANG both ways, and
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
from colony_testutil import java_runtime_classpath

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
    """Entries that hold the Java streaming runtime: on the workers' classpath already, or
    the module's build output (plus protobuf-java-util, which it needs), else None."""
    runtime = java_runtime_classpath().split(os.pathsep)
    if any(_has_class(e) for e in runtime):
        return []
    built = [p for p in [os.path.join(ROOT, "java/streaming/target/classes"),
                         *glob.glob(os.path.join(ROOT, "java/streaming/target/*.jar"))]
             if _has_class(p)]
    if not built:
        return None
    util = glob.glob(os.path.expanduser(
        "~/.m2/repository/com/google/protobuf/protobuf-java-util/*/protobuf-java-util-*.jar"))
    return built[:1] + util[:1]


STREAMING_CP = streaming_classpath()
pytestmark = pytest.mark.skipif(STREAMING_CP is None,
                                reason="io.colony.streaming.runtime.OperatorActor is not built")


@pytest.fixture(scope="module")
def mixed_cluster(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("stream-java"))
    sources = glob.glob(os.path.join(HERE, "streaming_java", "**", "*.java"), recursive=True)
    cp = os.pathsep.join([java_runtime_classpath(), *STREAMING_CP])
    subprocess.run(["javac", "-cp", cp, "-d", out, *sources], check=True)
    colony.init(num_cpus=2, job_config=colony.JobConfig(code_search_path=[out, *STREAMING_CP]))
    yield
    colony.shutdown()


def numbers(instance, parallelism):
    for i in range(instance, 1200, parallelism):
        if i % 100 == 0:
            time.sleep(0.05)
        yield str(i)


def build(out):
    ctx = StreamingContext(parallelism=2, checkpoint=CheckpointConfig(interval_ms=250))
    (ctx.from_generator(numbers)
        .map(java_operator("streamtest.Parse"))
        .key_by(java_operator("streamtest.Mod3"))
        .reduce(lambda a, b: a + b)
        .map(lambda total: total)
        .sink(FileSink(out)))
    return ctx


def expected():
    running, out = collections.Counter(), []
    for i in range(1200):
        running[i % 3] += i
        out.append(running[i % 3])
    return sorted(out)


def test_python_job_with_java_operators(mixed_cluster, tmp_path):
    job = build(str(tmp_path)).execute("mixed")
    assert job.wait(120) == FINISHED, job.error
    assert sorted(read_file_sink(str(tmp_path))) == expected()


def test_sigkill_of_a_java_operator_jvm_keeps_exactly_once(mixed_cluster, tmp_path):
    job = build(str(tmp_path)).execute("mixed-kill")
    deadline = time.monotonic() + 60
    victim = ("1-map", 0)
    while job.last_checkpoint < 2 or not job.instance_pids().get(victim):
        assert job.status == "RUNNING", job.error
        assert time.monotonic() < deadline, "no second checkpoint within 60 s"
        time.sleep(0.05)
    os.kill(job.instance_pids()[victim], signal.SIGKILL)
    assert job.wait(120) == FINISHED, job.error
    assert job.restarts >= 1
    assert sorted(read_file_sink(str(tmp_path))) == expected()
