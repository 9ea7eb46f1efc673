"""The `colony` CLI (start --head / --address, status, stop) and drivers joining a cluster.

Every test runs the CLI and its drivers with TMPDIR pointing at a private folder, so the
cluster file (normally /tmp/colony-<uid>/current_cluster.json) and session dirs are the test's own,
and it cannot clash with clusters other people run on this machine. Tests still run serially
and always finish with `colony stop`.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from colony_testutil import (pid_alive, pids_with_cmdline, process_cmdline, subprocess_env, wait_for,
                             wait_pids_gone)


class Cli:
    def __init__(self):
        # Short path: session dirs live under it.
        self.tmp = tempfile.mkdtemp(prefix="ccli", dir="/tmp")
        self.env = subprocess_env(TMPDIR=self.tmp)
        self.env.pop("COLONY_CLUSTER_TOKEN", None)
        self.cluster_file = os.path.join(self.tmp, f"colony-{os.geteuid()}", "current_cluster.json")

    def run(self, *args, timeout=60, env=None):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args],
                              env=env or self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def driver(self, code, timeout=60, env=None):
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env or self.env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def info(self):
        try:
            with open(self.cluster_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def cleanup(self):
        info = self.info()
        self.run("stop", "--grace", "3")
        # Fallback: kill what the cluster file says we started, if stop missed anything.
        pids = (info or {}).get("pids", [])
        for pid in pids:
            if pid_alive(pid) and "colony" in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace"):
                os.kill(pid, signal.SIGKILL)
        for pid in pids_with_cmdline(self.tmp):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def cli():
    c = Cli()
    yield c
    c.cleanup()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def _start_head(cli, *extra):
    proc = cli.run("start", "--head", *extra)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    m = re.search(r"GCS address: (\S+:\d+)", proc.stdout)
    assert m, proc.stdout
    return m.group(1), proc


@pytest.mark.parametrize("cpus", [(2, 1), (None, None)], ids=["num-cpus-flags", "default-cpus"])
def test_head_worker_status_driver_and_stop(cli, cpus):
    head_cpus, worker_cpus = cpus
    head_flags = ["--num-cpus", str(head_cpus)] if head_cpus is not None else []
    worker_flags = ["--num-cpus", str(worker_cpus)] if worker_cpus is not None else []
    head_cpus = head_cpus if head_cpus is not None else os.cpu_count()
    worker_cpus = worker_cpus if worker_cpus is not None else os.cpu_count()
    total_cpus = head_cpus + worker_cpus
    gcs, head_out = _start_head(cli, *head_flags, "--resources", '{"head_res": 1}')
    assert "colony start --address " + gcs in head_out.stdout
    info = cli.info()
    # GCS, raylet, metrics agent, dashboard
    assert info["gcs_address"] == gcs and len(info["pids"]) == 4
    assert all(pid_alive(p) for p in info["pids"])
    head_metrics = re.search(r"Node metrics: +http://(\S+)/metrics", head_out.stdout).group(1)
    config = re.search(r"Prometheus config: +(\S+)", head_out.stdout).group(1)

    proc = cli.run("start", "--address", gcs, *worker_flags, "--resources", '{"worker_res": 2}')
    assert proc.returncode == 0, proc.stderr + proc.stdout
    info = cli.info()
    assert len(info["pids"]) == 6 and all(pid_alive(p) for p in info["pids"])
    worker_metrics = re.search(r"Node metrics: +http://(\S+)/metrics", proc.stdout).group(1)
    # The dashboard adds the joined node's agent to the head's scrape targets.
    targets = os.path.join(os.path.dirname(config), "targets.json")
    wait_for(lambda: sorted(t for g in json.load(open(targets)) for t in g["targets"])
             == sorted([head_metrics, worker_metrics]), timeout=60, interval=0.5,
             what="both nodes' metrics agents in the scrape config")

    status = cli.run("status")
    assert status.returncode == 0, status.stderr
    assert "Nodes: 2 alive, 0 dead" in status.stdout, status.stdout
    assert re.search(rf"CPU: 0 / {total_cpus}\b", status.stdout), status.stdout
    assert re.search(r"head_res: 0 / 1\b", status.stdout), status.stdout
    assert re.search(r"worker_res: 0 / 2\b", status.stdout), status.stdout
    assert status.stdout.count("ALIVE") == 2

    drv = cli.driver("""
        import json, os, colony
        colony.init(address="auto")
        @colony.remote
        def where():
            return colony.get_runtime_context().get_node_id(), os.getpid()
        nodes = colony.nodes()
        head = colony.get(where.options(resources={"head_res": 1}).remote(), timeout=30)
        worker = colony.get(where.options(resources={"worker_res": 1}).remote(), timeout=30)
        squares = colony.get([where.remote() for _ in range(6)], timeout=30)
        print(json.dumps({
            "resources": colony.cluster_resources(),
            "nodes": [(n["NodeID"], n["Alive"], n["Resources"].get("CPU")) for n in nodes],
            "head": head, "worker": worker, "n": len(squares),
            "driver_node": colony.get_runtime_context().get_node_id()}))
        colony.shutdown()
    """)
    assert drv.returncode == 0, drv.stderr
    out = _last_json(drv.stdout)
    res = out["resources"]
    assert res["CPU"] == total_cpus and res["head_res"] == 1 and res["worker_res"] == 2
    assert sorted(c for _, _, c in out["nodes"]) == sorted([head_cpus, worker_cpus])
    assert all(alive for _, alive, _ in out["nodes"])
    node_ids = {n for n, _, _ in out["nodes"]}
    assert out["head"][0] in node_ids and out["worker"][0] in node_ids
    assert out["head"][0] != out["worker"][0]  # custom resources pick the node
    assert out["n"] == 6
    worker_pids = [out["head"][1], out["worker"][1]]

    # The cluster outlives the driver.
    pids = cli.info()["pids"]
    assert all(pid_alive(p) for p in pids)

    stop = cli.run("stop")
    assert stop.returncode == 0, stop.stderr
    assert "stopped 6 process(es)" in stop.stdout  # with the dashboard and metrics agents
    assert wait_pids_gone(pids + worker_pids) == []
    assert pids_with_cmdline(cli.tmp) == []
    assert cli.info() is None  # cluster file removed
    # stopping again is harmless
    again = cli.run("stop")
    assert again.returncode == 0 and "no cluster" in again.stdout


def test_head_on_a_given_port_and_join_by_address(cli):
    port = _free_port()
    gcs, _ = _start_head(cli, "--port", str(port))
    assert gcs.endswith(f":{port}")
    token = cli.info()["token"]
    assert token
    # A driver given HOST:PORT and the token (no cluster file lookup needed).
    env = dict(cli.env, COLONY_CLUSTER_TOKEN=token, TMPDIR=tempfile.gettempdir())
    drv = cli.driver(f"""
        import json, colony
        colony.init(address="127.0.0.1:{port}")
        @colony.remote
        def f(x):
            return x + 1
        print(json.dumps({{"cpu": colony.cluster_resources()["CPU"], "v": colony.get(f.remote(1), timeout=30),
                          "n": len(colony.nodes())}}))
    """, env=env)
    assert drv.returncode == 0, drv.stderr
    assert _last_json(drv.stdout) == {"cpu": float(os.cpu_count()), "v": 2, "n": 1}
    # Two drivers of the same cluster are two jobs.
    code = """
        import json, colony
        print(json.dumps(colony.init(address="auto")["job_id"]))
    """
    jobs = [cli.driver(code) for _ in range(2)]
    assert all(j.returncode == 0 for j in jobs), [j.stderr for j in jobs]
    job_ids = [_last_json(j.stdout) for j in jobs]
    assert job_ids[0] and job_ids[0] != job_ids[1]


def test_driver_with_wrong_token_is_rejected(cli):
    gcs, _ = _start_head(cli)
    env = dict(cli.env, COLONY_CLUSTER_TOKEN="0" * 32, TMPDIR=tempfile.gettempdir())
    drv = cli.driver(f"""
        import colony
        try:
            colony.init(address="{gcs}")
            colony.nodes()
        except Exception as e:
            print("rejected:", type(e).__name__, e)
        else:
            print("accepted")
    """, env=env, timeout=60)
    assert "rejected:" in drv.stdout, drv.stdout + drv.stderr


def test_status_shows_used_resources(cli, tmp_path):
    _start_head(cli, "--resources", '{"gpu_like": 1}')
    ncpu = os.cpu_count()
    started = tmp_path / "started"
    release = tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, time, colony
        colony.init(address="auto")
        @colony.remote(num_cpus=1, resources={{"gpu_like": 1}})
        def hold():
            open({str(started)!r}, "w").close()
            while not os.path.exists({str(release)!r}):
                time.sleep(0.02)
            return 1
        print(colony.get(hold.remote(), timeout=60))
    """)], env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(started.exists, timeout=30, what="the holding task to start")

        def used_shown():
            out = cli.run("status").stdout
            return out if re.search(rf"CPU: 1 / {ncpu}\b", out) else None

        out = wait_for(used_shown, timeout=10, interval=0.2, what="status to show 1 CPU used")
        assert re.search(r"gpu_like: 1 / 1\b", out), out
    finally:
        release.touch()
        stdout, stderr = holder.communicate(timeout=30)
    assert holder.returncode == 0, stderr
    assert stdout.strip().endswith("1")


def test_second_head_is_refused(cli):
    _start_head(cli)
    pids = cli.info()["pids"]
    proc = cli.run("start", "--head")
    assert proc.returncode == 1
    assert "still running" in proc.stderr and "colony stop" in proc.stderr
    assert cli.info()["pids"] == pids  # nothing new was started


def test_join_without_token_fails(cli):
    proc = cli.run("start", "--address", "127.0.0.1:1")
    assert proc.returncode == 1
    assert "token" in proc.stderr
    assert cli.info() is None


def test_stop_without_cluster(cli):
    proc = cli.run("stop")
    assert proc.returncode == 0
    assert "no cluster started here" in proc.stdout


def test_bad_resources_json_is_rejected(cli):
    proc = cli.run("start", "--head", "--resources", "{not json")
    assert proc.returncode == 2
    assert "JSON" in proc.stderr
    proc = cli.run("start", "--head", "--resources", "[1, 2]")
    assert proc.returncode == 2 and "JSON object" in proc.stderr
    assert cli.info() is None


def test_status_without_cluster_fails_clearly(cli):
    proc = cli.run("status")
    assert proc.returncode == 1
    assert "colony start --head" in proc.stderr


def test_worker_node_leaving_is_reported(cli):
    gcs, _ = _start_head(cli, "--resources", '{"head_only": 1}')
    head_pids = cli.info()["pids"]
    proc = cli.run("start", "--address", gcs, "--resources", '{"worker_only": 3}')
    assert proc.returncode == 0, proc.stderr
    # The node's processes (raylet, metrics agent): SIGTERM its raylet.
    started = [p for p in cli.info()["pids"] if p not in head_pids]
    worker_raylet = next(p for p in started if "colony-raylet" in process_cmdline(p))
    os.kill(worker_raylet, signal.SIGTERM)
    assert wait_pids_gone([worker_raylet]) == []

    def one_alive():
        out = cli.run("status").stdout
        return out if "Nodes: 1 alive, 1 dead" in out else None

    out = wait_for(one_alive, timeout=20, interval=0.3, what="status to show the dead node")
    assert re.search(rf"CPU: 0 / {os.cpu_count()}\b", out), out
    assert "head_only" in out and "worker_only" not in out
    assert all(pid_alive(p) for p in head_pids)


def test_fractional_num_cpus_flag(cli):
    # --num-cpus is documented as a number; a fractional value must either work or be
    # rejected by the CLI with a clear message, never crash the raylet.
    proc = cli.run("start", "--head", "--num-cpus", "1.5")
    if proc.returncode == 0:
        status = cli.run("status")
        assert re.search(r"CPU: 0 / 1.5\b", status.stdout), status.stdout
    else:
        assert "num-cpus" in proc.stderr and "colony-raylet exited" not in proc.stderr, proc.stderr
