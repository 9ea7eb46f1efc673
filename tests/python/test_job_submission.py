"""Job submission (docs/jobs.md) on a real `colony start --head` cluster: the `colony job`
CLI and JobSubmissionClient against the head's job API, submitted Python and Java
drivers, stopping jobs (their driver, workers and actors end), runtime_env checks; and
unit tests of the job manager and working-dir packing with an in-memory store.

The cluster runs with TMPDIR pointing at a private folder, as in test_cluster_cli.py, so
its cluster file and session folders are the test's own."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import zipfile

import pytest

from colony._private import runtime_env
from colony.dashboard.job_agent import JobAgent
from colony.dashboard.job_manager import JobError, JobManager
from colony.dashboard.kv_store import InMemoryKeyValueStore
from colony.dashboard.packages import PackageStore
from colony.job_submission import JobApiError, JobStatus, JobSubmissionClient
from colony_testutil import (java_runtime_classpath, pid_alive, pids_with_cmdline,
                             subprocess_env, wait_for, wait_pids_gone)

DEADLINE = 120


class Head:
    """A `colony start --head` cluster of this module, with its own TMPDIR."""

    def __init__(self, *flags):
        self.tmp = tempfile.mkdtemp(prefix="cjob", dir="/tmp")
        self.env = subprocess_env(TMPDIR=self.tmp)
        self.env.pop("COLONY_CLUSTER_TOKEN", None)
        self.env.pop("COLONY_DASHBOARD_ADDRESS", None)
        out = self.cli("start", "--head", "--num-cpus", "4", "--dashboard-port", "0", *flags)
        assert out.returncode == 0, out.stdout + out.stderr
        with open(os.path.join(self.tmp, f"colony-{os.geteuid()}", "current_cluster.json")) as f:
            self.info = json.load(f)
        self.client = JobSubmissionClient(self.info["dashboard_address"], self.info["token"],
                                          tls_ca=(self.info.get("tls") or {}).get("ca"))

    def cli(self, *args, timeout=DEADLINE):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def job(self, *args, timeout=DEADLINE):
        return self.cli("job", *args, timeout=timeout)

    def wait_log(self, sid, text):
        """The job's output once it contains `text`."""
        out = {}

        def seen():
            ended = self.client.get_job_status(sid).is_terminal()
            out["log"] = self.client.get_job_logs(sid)
            if text not in out["log"] and ended:  # it will never come: say why now
                raise AssertionError(f"job {sid} ended without printing {text!r}: "
                                     f"{self.client.get_job_info(sid).message}\n{out['log']}")
            return text in out["log"]
        assert wait_for(seen, timeout=DEADLINE), out.get("log")
        return out["log"]

    def stop(self):
        self.cli("stop", "--grace", "3")
        for pid in self.info.get("pids", []) + pids_with_cmdline(self.tmp):
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def head():
    h = Head()
    yield h
    h.stop()


def _write(folder, name, code):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(code))
    return path


@pytest.fixture
def project(tmp_path):
    """A working dir: a driver and a module its tasks import on the workers."""
    _write(tmp_path, "helper.py", """
        def square(x):
            return x * x
    """)
    _write(tmp_path, "main.py", """
        import os, sys
        import colony
        info = colony.init()
        @colony.remote
        def f(x):
            import helper  # found through the job's working dir, on the worker
            return helper.square(x)
        print("gcs", info["gcs_address"])
        print("squares", colony.get([f.remote(i) for i in range(5)]))
        print("env", os.environ.get("GREETING"), os.getcwd() == os.environ["COLONY_JOB_WORKING_DIR"])
        print("submission", os.environ["COLONY_JOB_SUBMISSION_ID"])
        print("job-id", colony.get_runtime_context().get_job_id())
        sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    """)
    return tmp_path


# ---------------------------------------------------------------- CLI on a real cluster

def test_submit_streams_logs_until_the_job_succeeds(head, project):
    out = head.job("submit", "--working-dir", str(project), "--runtime-env",
                   '{"env_vars": {"GREETING": "hello"}}', "--", "python", "main.py")
    assert out.returncode == 0, out.stdout + out.stderr
    sid = out.stdout.split("'")[1]
    assert f"gcs {head.info['gcs_address']}" in out.stdout  # joined the cluster it was sent to
    assert "squares [0, 1, 4, 9, 16]" in out.stdout
    assert "env hello True" in out.stdout
    assert f"submission {sid}" in out.stdout
    assert out.stdout.rstrip().splitlines()[-1].startswith(f"Job '{sid}' SUCCEEDED")

    status = head.job("status", sid)
    assert status.returncode == 0 and f"Job '{sid}': SUCCEEDED" in status.stdout, status.stdout
    assert "driver exit code: 0" in status.stdout
    job_id = out.stdout.split("job-id ")[1].split()[0]
    assert f"driver's job id: {job_id}" in status.stdout  # the GCS job of its driver
    logs = head.job("logs", sid)
    assert "squares [0, 1, 4, 9, 16]" in logs.stdout
    listing = head.job("list")
    assert any(line.startswith(sid) and "SUCCEEDED" in line
               for line in listing.stdout.splitlines()), listing.stdout
    info = head.client.get_job_info(sid)
    assert 0 < info.start_time <= info.end_time and info.driver_exit_code == 0
    assert info.runtime_env["working_dir"].startswith("pkg://")


def test_no_wait_prints_the_id_last_and_logs_follow_to_the_end(head, project):
    out = head.job("submit", "--no-wait", "--working-dir", str(project), "--",
                   "python", "main.py")
    assert out.returncode == 0, out.stderr
    sid = out.stdout.strip().splitlines()[-1]
    assert sid == sid.strip() and " " not in sid and sid.startswith("colsub_")
    follow = head.job("logs", "--follow", sid)  # returns once the job has ended
    assert follow.returncode == 0 and "squares [0, 1, 4, 9, 16]" in follow.stdout
    assert head.client.get_job_status(sid) == JobStatus.SUCCEEDED


def test_a_failing_job_is_failed_with_its_exit_and_last_output(head, project):
    out = head.job("submit", "--working-dir", str(project), "--", "python", "main.py", "3")
    assert out.returncode == 1, out.stdout + out.stderr
    sid = out.stdout.split("'")[1]
    info = head.client.get_job_info(sid)
    assert info.status == JobStatus.FAILED and info.driver_exit_code == 3
    assert "exited with code 3" in info.message and "submission" in info.message
    assert f"Job '{sid}' FAILED: the entrypoint exited with code 3" in out.stdout


def test_a_job_that_cannot_start_fails_with_the_reason(head):
    sid = head.client.submit_job(entrypoint="definitely-not-a-command-xyz")
    assert head.client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.FAILED
    info = head.client.get_job_info(sid)
    assert info.driver_exit_code == 127 and "not found" in info.message


def test_stop_ends_the_driver_its_workers_and_actors(head, tmp_path):
    task_pid_file = tmp_path / "task.pid"
    _write(tmp_path, "long.py", f"""
        import os, time
        import colony
        colony.init()
        @colony.remote
        class Keeper:
            def pid(self):
                return os.getpid()
        @colony.remote
        def busy():
            with open({str(task_pid_file)!r} + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename({str(task_pid_file)!r} + ".tmp", {str(task_pid_file)!r})
            time.sleep(3600)
        keeper = Keeper.remote()
        detached = Keeper.options(name="survivor", lifetime="detached").remote()
        running = busy.remote()
        print("pids", os.getpid(), colony.get(keeper.pid.remote()),
              colony.get(detached.pid.remote()), flush=True)
        time.sleep(3600)
    """)
    out = head.job("submit", "--no-wait", "--working-dir", str(tmp_path), "--",
                   "python", "long.py")
    sid = out.stdout.strip().splitlines()[-1]
    log = head.wait_log(sid, "pids ")
    driver, actor, detached = (int(p) for p in log.split("pids ")[1].split()[:3])
    wait_for(task_pid_file.exists, timeout=DEADLINE, what="the task to start")
    task = int(task_pid_file.read_text())
    assert head.client.get_job_status(sid) == JobStatus.RUNNING

    stop = head.job("stop", sid)
    assert stop.returncode == 0 and f"Job '{sid}' STOPPED" in stop.stdout, stop.stdout
    info = head.client.get_job_info(sid)
    assert info.status == JobStatus.STOPPED and info.end_time >= info.start_time
    assert wait_pids_gone([driver, actor, task], timeout=60) == []
    assert pid_alive(detached)  # detached actors outlive their job
    assert not head.client.stop_job(sid)  # already over
    os.kill(detached, signal.SIGKILL)


def test_stop_kills_a_driver_that_ignores_sigterm_and_its_idle_workers(head, tmp_path):
    """SIGKILL after the grace; the raylet then ends the job's workers, idle ones too (a
    driver that dies without JobFinished ends its job on its node)."""
    _write(tmp_path, "stubborn.py", """
        import os, signal, time
        import colony
        colony.init()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        @colony.remote
        def pid():
            return os.getpid()
        print("pids", os.getpid(), colony.get(pid.remote()), flush=True)  # its worker idles
        time.sleep(3600)
    """)
    sid = head.client.submit_job(entrypoint="python stubborn.py",
                                 runtime_env={"working_dir": str(tmp_path)})
    driver, worker = (int(p) for p in head.wait_log(sid, "pids ").split("pids ")[1].split()[:2])
    assert head.client.stop_job(sid)
    assert head.client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.STOPPED
    info = head.client.get_job_info(sid)
    assert info.driver_exit_code == -signal.SIGKILL
    assert wait_pids_gone([driver, worker], timeout=60) == []


def test_concurrent_jobs_run_side_by_side(head, tmp_path):
    """Three jobs that each wait until all three have started: they can only finish if
    they run at once."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    _write(tmp_path, "together.py", f"""
        import os, sys, time
        import colony
        colony.init()
        me = sys.argv[1]
        open(os.path.join({str(barrier)!r}, me), "w").close()
        deadline = time.monotonic() + 100
        while len(os.listdir({str(barrier)!r})) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        @colony.remote
        def add(a, b):
            return a + b
        print("job", me, "sum", colony.get(add.remote(int(me), 100)),
              "together", len(os.listdir({str(barrier)!r})) == 3)
    """)
    sids = [head.client.submit_job(entrypoint=f"python together.py {i}",
                                   runtime_env={"working_dir": str(tmp_path)})
            for i in range(3)]
    assert len(set(sids)) == 3
    for i, sid in enumerate(sids):
        assert head.client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.SUCCEEDED
        assert f"job {i} sum {100 + i} together True" in head.client.get_job_logs(sid)


def test_java_entrypoint(head, tmp_path):
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    classpath = java_runtime_classpath()
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "JobMain.java", """
        import io.colony.api.Colony;
        public final class JobMain {
          public static int square(int x) { return x * x; }
          public static void main(String[] args) {
            Colony.init();
            try {
              System.out.println("java-square=" + Colony.get(Colony.task(JobMain::square, 7).remote()));
              System.out.println("java-env=" + System.getenv("GREETING"));
            } finally {
              Colony.shutdown();
            }
          }
        }
    """)
    classes = tmp_path / "classes"
    subprocess.run(["javac", "-cp", classpath, "-d", str(classes), str(src / "JobMain.java")],
                   check=True)
    sid = head.client.submit_job(
        entrypoint=f"java --add-opens=java.base/java.nio=ALL-UNNAMED -cp {classes}:{classpath} JobMain",
        runtime_env={"env_vars": {"GREETING": "from-env"}})
    status = head.client.wait_until_finished(sid, timeout=DEADLINE)
    logs = head.client.get_job_logs(sid)
    assert status == JobStatus.SUCCEEDED, logs
    assert "java-square=49" in logs and "java-env=from-env" in logs


def test_jobs_on_a_tls_cluster():
    """With --tls the job API is HTTPS (the node certificate, trusted through the cluster
    CA) and submitted drivers join over TLS."""
    pytest.importorskip("cryptography")
    tls_head = Head("--tls")
    try:
        assert tls_head.client.address.startswith("https://")
        out = tls_head.job("submit", "--", "python", "-c",
                           "import colony; colony.init(); print('nodes', len(colony.nodes()))")
        assert out.returncode == 0 and "nodes 1" in out.stdout, out.stdout + out.stderr
    finally:
        tls_head.stop()


def test_a_busy_dashboard_port_fails_the_head_cleanly():
    """--dashboard-port names a port in use: `colony start --head` fails saying so, and
    leaves no GCS or raylet behind."""
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        tmp = tempfile.mkdtemp(prefix="cjob", dir="/tmp")
        try:
            env = subprocess_env(TMPDIR=tmp)
            out = subprocess.run([sys.executable, "-m", "colony.scripts.cli", "start", "--head",
                                  "--num-cpus", "1", "--dashboard-port", str(port)], env=env,
                                 capture_output=True, text=True, timeout=DEADLINE,
                                 stdin=subprocess.DEVNULL)
            assert out.returncode == 1, out.stdout + out.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in out.stderr, out.stderr
            assert wait_pids_gone(pids_with_cmdline(tmp), timeout=30) == []
            assert not os.path.exists(os.path.join(tmp, f"colony-{os.geteuid()}",
                                                   "current_cluster.json"))
        finally:
            for pid in pids_with_cmdline(tmp):
                os.kill(pid, signal.SIGKILL)
            shutil.rmtree(tmp, ignore_errors=True)


def test_drivers_do_not_outlive_their_agent(tmp_path):
    """A dashboard that dies (SIGKILL) takes its drivers with it: nobody could stop them."""
    other = Head()
    try:
        _write(tmp_path, "sleeper.py", """
            import os, time
            import colony
            colony.init()
            print("up", os.getpid(), flush=True)
            time.sleep(3600)
        """)
        sid = other.client.submit_job(entrypoint="python sleeper.py",
                                      runtime_env={"working_dir": str(tmp_path)})
        driver = int(other.wait_log(sid, "up ").split("up ")[1].split()[0])
        assert other.client.get_job_info(sid).driver_pid == driver  # no shell in between
        assert pid_alive(driver)
        dashboard = other.info["pids"][-1]
        os.kill(dashboard, signal.SIGKILL)
        assert wait_pids_gone([dashboard, driver], timeout=60) == []
    finally:
        other.stop()


def test_a_job_on_a_multi_node_cluster_utils_cluster(tmp_path):
    """cluster_utils.Cluster.start_dashboard(): a submitted driver on the head uses the
    other nodes too."""
    from colony.cluster_utils import Cluster
    _write(tmp_path, "spread.py", """
        import colony
        colony.init()
        @colony.remote
        def where():
            return colony.get_runtime_context().get_node_id()
        here = colony.get(where.options(resources={"head_res": 1}).remote())
        there = colony.get(where.options(resources={"far_res": 1}).remote())
        print("nodes", len(colony.nodes()), "different", here != there)
    """)
    with Cluster(head_node_args={"num_cpus": 1, "resources": {"head_res": 1}}) as cluster:
        cluster.add_node(num_cpus=1, resources={"far_res": 1})
        cluster.start_dashboard()
        client = cluster.job_client()
        sid = client.submit_job(entrypoint="python spread.py",
                                runtime_env={"working_dir": str(tmp_path)})
        assert client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.SUCCEEDED, \
            client.get_job_logs(sid)
        assert "nodes 2 different True" in client.get_job_logs(sid)


# ---------------------------------------------------------------- JobSubmissionClient

def test_client_submit_tail_list_delete(head):
    sid = head.client.submit_job(entrypoint="python -c \"import os; print('v=' + os.environ['V'])\"",
                                 submission_id="my-job-1", runtime_env={"env_vars": {"V": "42"}},
                                 metadata={"team": "a"})
    assert sid == "my-job-1"
    text = "".join(head.client.tail_job_logs(sid))  # ends with the job
    assert "v=42" in text
    info = head.client.get_job_info(sid)
    assert info.status == JobStatus.SUCCEEDED and info.metadata == {"team": "a"}
    assert sid in [j.submission_id for j in head.client.list_jobs()]
    with pytest.raises(JobApiError, match="already exists") as e:
        head.client.submit_job(entrypoint="true", submission_id="my-job-1")
    assert e.value.status == 409
    assert head.client.delete_job(sid)
    with pytest.raises(JobApiError, match="no job with submission_id 'my-job-1'"):
        head.client.get_job_info(sid)


def test_bad_input_gets_errors_that_name_the_problem(head, tmp_path):
    c = head.client
    with pytest.raises(ValueError, match="unknown runtime_env key 'colour'"):
        c.submit_job(entrypoint="true", runtime_env={"colour": "red"})
    with pytest.raises(ValueError, match="'conda' is not supported yet"):
        c.submit_job(entrypoint="true", runtime_env={"conda": "env"})
    with pytest.raises(ValueError, match="does not exist"):
        c.submit_job(entrypoint="true", runtime_env={"working_dir": str(tmp_path / "nope")})
    with pytest.raises(ValueError, match=r"env_vars'\]\['N'\] must be a string"):
        c.submit_job(entrypoint="true", runtime_env={"env_vars": {"N": 1}})
    with pytest.raises(JobApiError, match="entrypoint must be a non-empty"):
        c.submit_job(entrypoint="  ")
    with pytest.raises(JobApiError, match="submission_id"):
        c.submit_job(entrypoint="true", submission_id="../etc")
    # A well-formed package URI that names nothing is accepted, then failed by the agent
    # with the reason as its message.
    sid = c.submit_job(entrypoint="true", runtime_env={"working_dir": "pkg://" + "0" * 64})
    assert c.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.FAILED
    assert "was never uploaded" in c.get_job_info(sid).message
    bad = head.job("submit", "--runtime-env", "{oops", "--", "true")
    assert bad.returncode != 0 and "--runtime-env is not valid JSON" in bad.stderr
    missing = head.job("submit", "--working-dir", str(tmp_path / "gone"), "--", "true")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    none = head.job("submit")
    assert none.returncode == 1 and "no entrypoint" in none.stderr


def test_the_api_refuses_a_wrong_token(head):
    with pytest.raises(JobApiError, match="cluster token") as e:
        JobSubmissionClient(head.info["dashboard_address"], token="0" * 32)
    assert e.value.status == 401
    env = dict(head.env, COLONY_CLUSTER_TOKEN="f" * 32)
    out = subprocess.run([sys.executable, "-m", "colony.scripts.cli", "job", "list"], env=env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 1 and "cluster token" in out.stderr


def test_the_api_survives_hostile_requests(head):
    """Garbage bytes, a lying Content-Length, bad JSON and unknown routes get errors (or a
    closed connection), and the API still serves afterwards."""
    import http.client
    import socket
    host, port = head.info["dashboard_address"].rsplit(":", 1)
    for junk in (b"\x00\xff" * 500, b"GET / HTTP/9.9\r\n\r\n", b"POST /api/jobs/ HTTP/1.1\r\n"
                 b"Content-Length: 99999999999\r\n\r\n{", b"\r\n" * 10000):
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            try:
                sock.sendall(junk)
                sock.shutdown(socket.SHUT_WR)
                sock.recv(65536)  # an error, or a closed connection; never a hang
            except TimeoutError:
                raise AssertionError(f"the API hung on {junk[:40]!r}") from None
            except OSError:
                pass  # the server hung up first
    auth = {"Authorization": f"Bearer {head.info['token']}"}

    def call(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request(method, path, body=body, headers={**auth, **(headers or {})})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()
    status, body = call("POST", "/api/jobs/", b"{not json")
    assert status == 400 and b"not valid JSON" in body
    status, body = call("POST", "/api/jobs/", b'{"entrypoint": "true", "colour": 1}')
    assert status == 400 and b"colour" in body
    status, body = call("POST", "/api/jobs/", b"[1, 2]")
    assert status == 400 and b"JSON object" in body
    status, body = call("PUT", "/api/packages/" + "a" * 64, b"x" * 10)
    assert status == 400 and b"hashes to" in body
    assert call("GET", "/api/nothing")[0] == 404
    assert call("PUT", "/api/jobs/")[0] == 405
    status, body = call("GET", "/api/jobs/x/logs?offset=-1")
    assert status in (400, 404)
    assert head.client.list_jobs() is not None  # still serving


def test_cli_from_elsewhere_with_address_and_token(head, tmp_path):
    """No cluster file here (another machine): --address and COLONY_CLUSTER_TOKEN."""
    env = subprocess_env(TMPDIR=str(tmp_path), COLONY_CLUSTER_TOKEN=head.info["token"])
    addr = head.info["dashboard_address"]

    def job(*args):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", "job", *args], env=env,
                              capture_output=True, text=True, timeout=DEADLINE,
                              stdin=subprocess.DEVNULL)
    out = job("submit", "--address", addr, "--", "echo", "from elsewhere")
    assert out.returncode == 0 and "from elsewhere" in out.stdout, out.stdout + out.stderr
    assert job("list", "--address", addr).returncode == 0
    env["COLONY_DASHBOARD_ADDRESS"] = addr
    assert "SUCCEEDED" in job("list").stdout
    env.pop("COLONY_DASHBOARD_ADDRESS")
    nothing = job("list")
    assert nothing.returncode == 1 and "found no cluster with a job API" in nothing.stderr


def test_a_working_dir_is_uploaded_once_and_unpacked_once(head, project):
    uri = head.client.upload_working_dir(str(project))
    assert head.client.upload_working_dir(str(project)) == uri  # same content, same package
    sids = [head.client.submit_job(entrypoint="python main.py", runtime_env={"working_dir": uri})
            for _ in range(2)]
    for sid in sids:
        assert head.client.wait_until_finished(sid, timeout=DEADLINE) == JobStatus.SUCCEEDED
    unpacked = os.path.join(head.info["session_dir"], "runtime_resources", "working_dir")
    assert uri[len("pkg://"):] in os.listdir(unpacked)
    assert not [d for d in os.listdir(unpacked) if d.startswith(".")]  # no half-unpacked dirs


# ---------------------------------------------------------------- units, in-memory store

def test_pack_dir_is_deterministic_and_skips_caches(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text("y = 2\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"junk")
    digest, data = runtime_env.pack_dir(str(tmp_path))
    os.utime(tmp_path / "a.py", (1, 1))  # times do not matter, content does
    assert runtime_env.pack_dir(str(tmp_path)) == (digest, data)
    names = zipfile.ZipFile(__import__("io").BytesIO(data)).namelist()
    assert names == ["a.py", "pkg/b.py"]
    (tmp_path / "a.py").write_text("x = 3\n")
    assert runtime_env.pack_dir(str(tmp_path))[0] != digest
    with pytest.raises(runtime_env.RuntimeEnvError, match="larger than"):
        runtime_env.pack_dir(str(tmp_path), max_bytes=4)


def test_unpack_refuses_paths_outside_its_folder(tmp_path):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../escape.txt", "no")
    with pytest.raises(runtime_env.RuntimeEnvError, match="outside its folder"):
        runtime_env.unpack(buf.getvalue(), str(tmp_path / "out"))
    assert not (tmp_path / "escape.txt").exists()


def test_package_store_checks_the_hash(tmp_path):
    store = PackageStore(InMemoryKeyValueStore(), str(tmp_path / "unpacked"))
    digest, data = runtime_env.pack_dir(os.path.dirname(os.path.abspath(__file__)) + "/../../docs")
    with pytest.raises(runtime_env.RuntimeEnvError, match="hashes to"):
        store.add("0" * 64, data)
    assert not store.exists(digest)
    store.add(digest, data)
    assert store.exists(digest)
    folder = store.local_dir(runtime_env.package_uri(digest))
    assert os.path.isfile(os.path.join(folder, "architecture.md"))


def _manager(tmp_path, kv=None):
    kv = kv or InMemoryKeyValueStore()
    agent = JobAgent(str(tmp_path), PackageStore(kv, str(tmp_path / "pk")),
                     dict(os.environ), str(tmp_path), stop_grace_s=5)
    return JobManager(kv, agent), kv


def _wait_terminal(manager, sid):
    assert wait_for(lambda: manager.get(sid).status.is_terminal(), timeout=DEADLINE)
    return manager.get(sid)


def test_manager_states_and_records(tmp_path):
    manager, kv = _manager(tmp_path)
    ok = manager.submit("echo out; echo err >&2", env={"env_vars": {"A": "1"}})
    bad = manager.submit("exit 4")
    assert _wait_terminal(manager, ok).status == JobStatus.SUCCEEDED
    job = _wait_terminal(manager, bad)
    assert job.status == JobStatus.FAILED and job.driver_exit_code == 4
    data, offset, status = manager.logs(ok)
    assert data == b"out\nerr\n" and offset == len(data) and status == JobStatus.SUCCEEDED
    assert json.loads(kv.get("job_submissions", ok))["status"] == "SUCCEEDED"  # written through

    # Stopping a running job: STOPPED once its process group is gone.
    sid = manager.submit("echo started; sleep 600")
    assert wait_for(lambda: manager.logs(sid)[0] == b"started\n", timeout=DEADLINE)
    assert manager.get(sid).status == JobStatus.RUNNING
    assert manager.stop(sid)
    assert _wait_terminal(manager, sid).status == JobStatus.STOPPED
    assert not manager.stop(sid)
    with pytest.raises(JobError, match="unknown runtime_env key"):
        manager.submit("true", env={"nope": 1})
    with pytest.raises(JobError, match="not an uploaded package"):
        manager.submit("true", env={"working_dir": "/tmp"})


def test_a_restarted_manager_fails_jobs_left_unfinished(tmp_path):
    kv = InMemoryKeyValueStore()
    kv.put("job_submissions", "old", json.dumps({
        "submission_id": "old", "entrypoint": "x", "status": "RUNNING"}).encode())
    manager, _ = _manager(tmp_path, kv)
    job = manager.get("old")
    assert job.status == JobStatus.FAILED and "agent" in job.message


def test_logs_wait_returns_when_output_arrives(tmp_path):
    manager, _ = _manager(tmp_path)
    gate = tmp_path / "gate"
    sid = manager.submit(f"while [ ! -e {gate} ]; do sleep 0.05; done; echo late")
    result = {}
    t = threading.Thread(target=lambda: result.update(out=manager.logs(sid, 0, 60)))
    t.start()
    gate.touch()
    t.join(DEADLINE)
    assert result["out"][0] == b"late\n"
    _wait_terminal(manager, sid)
