"""The per-node supervisor of `colony start` (python/colony/_private/supervisor.py).

Real clusters started with the CLI, isolated like tests/python/test_cluster_cli.py (TMPDIR of
their own); processes are crashed with SIGKILL. RestartPolicy gets unit tests with a fake clock.
"""

import json
import os
import re
import signal
import urllib.request

import pytest

from colony._private.supervisor import RestartPolicy, describe_exit
from colony_testutil import pid_alive, pids_with_cmdline, wait_for, wait_pids_gone
from redis_util import RedisServer
from test_cluster_cli import Cli, _start_head


@pytest.fixture
def cli():
    c = Cli()
    yield c
    c.cleanup()


def _session(cli, index=0):
    return cli.info()["supervisors"][index]["session_dir"]


def _state(session):
    try:
        with open(os.path.join(session, "supervisor.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _log(session):
    with open(os.path.join(session, "logs", "supervisor.log")) as f:
        return f.read()


def _kill_and_wait_for_restart(session, name):
    """SIGKILLs the supervisor's `name` child; returns (old pid, new pid)."""
    old = _state(session)["children"][name]
    restarts = _state(session)["restarts"][name]
    os.kill(old, signal.SIGKILL)

    def restarted():
        s = _state(session)
        return s and s["restarts"][name] > restarts and s["children"].get(name)
    new = wait_for(restarted, timeout=90, interval=0.1, what=f"{name} to be restarted")
    return old, new


_DRIVER = """
import json, colony
colony.init(address="auto")
@colony.remote
def node():
    return colony.get_runtime_context().get_node_id()
ran_on = colony.get(node.remote(), timeout=60)
print(json.dumps({"ran_on": ran_on,
                  "nodes": [[n["NodeID"], n["Alive"]] for n in colony.nodes()]}))
"""


def _driver_result(cli):
    out = cli.driver(_DRIVER, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sigkilled_raylet_comes_back_as_a_new_node(cli):
    _start_head(cli, "--num-cpus", "1", "--no-dashboard")
    session = _session(cli)
    first = _driver_result(cli)
    old_node = first["ran_on"]
    supervisor = cli.info()["supervisors"][0]["pid"]

    old_pid, new_pid = _kill_and_wait_for_restart(session, "raylet")
    assert new_pid != old_pid and pid_alive(new_pid)
    assert pid_alive(supervisor)

    # At once, before the GCS knows the old node is gone, a new driver finds the new raylet
    # (address="auto" asks the supervisor) and its task runs on the new node.
    right_away = _driver_result(cli)
    assert right_away["ran_on"] != old_node
    # The GCS's health checks mark the old node dead; the new raylet is a node of its own.
    wait_for(lambda: "Nodes: 1 alive, 1 dead" in cli.run("status").stdout, timeout=90,
             interval=0.5, what="status to show the old node dead and the new one alive")
    after = _driver_result(cli)
    alive = {n for n, is_alive in after["nodes"] if is_alive}
    assert old_node not in alive and after["ran_on"] in alive and after["ran_on"] != old_node
    assert after["ran_on"] == right_away["ran_on"]
    log = _log(session)
    assert re.search(rf"raylet \(pid {old_pid}\) crashed: killed by SIGKILL", log), log
    assert f"restarted raylet (pid {new_pid}" in log


def _node_metrics(cli, address):
    req = urllib.request.Request(f"http://{address}/metrics",
                                 headers={"Authorization": f"Bearer {cli.info()['token']}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        return r.read().decode()


def test_sigkilled_metrics_agent_comes_back_on_its_port_and_follows_the_raylet(cli):
    _start_head(cli, "--num-cpus", "1", "--no-dashboard")
    session = _session(cli)
    address = _state(session)["metrics_address"]
    first_node = _driver_result(cli)["ran_on"]
    assert f'colony_raylet_up{{node_id="{first_node}"}} 1.0' in _node_metrics(cli, address)

    old_pid, new_pid = _kill_and_wait_for_restart(session, "metrics_agent")
    assert new_pid != old_pid and _state(session)["metrics_address"] == address
    wait_for(lambda: f'node_id="{first_node}"' in _node_metrics(cli, address), timeout=60,
             interval=0.5, what="the restarted agent to serve the node's metrics")

    # A restarted raylet is a new node on another port: the agent finds it again.
    _kill_and_wait_for_restart(session, "raylet")
    second_node = _driver_result(cli)["ran_on"]
    assert second_node != first_node
    wait_for(lambda: f'colony_raylet_up{{node_id="{second_node}"}} 1.0' in
             _node_metrics(cli, address), timeout=60, interval=0.5,
             what="the agent to follow the restarted raylet")


def test_sigkilled_gcs_comes_back_on_its_port(cli):
    gcs, _ = _start_head(cli, "--num-cpus", "1", "--no-dashboard")
    session = _session(cli)
    _kill_and_wait_for_restart(session, "gcs")
    assert _state(session)["gcs_address"] == gcs
    # With the in-memory store the new GCS starts empty: it declares the raylet's node
    # unknown, the raylet exits and its supervisor restarts it, registered anew.
    wait_for(lambda: "Nodes: 1 alive" in cli.run("status").stdout, timeout=120, interval=0.5,
             what="a node registered with the restarted GCS")
    assert _driver_result(cli)["ran_on"]


def test_sigkilled_gcs_on_redis_keeps_its_state_and_raylet(cli):
    with RedisServer() as redis:
        gcs, _ = _start_head(cli, "--num-cpus", "1", "--no-dashboard", "--storage", redis.url)
        session = _session(cli)
        put = cli.driver("""
            import colony
            from colony import _core
            colony.init(address="auto")
            _core.kv_put("sup", b"key", b"kept", True)
            print("ok")
        """)
        assert put.returncode == 0 and "ok" in put.stdout, put.stderr
        raylet = _state(session)["children"]["raylet"]
        _kill_and_wait_for_restart(session, "gcs")
        assert _state(session)["gcs_address"] == gcs
        got = cli.driver("""
            import colony
            from colony import _core
            colony.init(address="auto")
            print("value", _core.kv_get("sup", b"key"))
        """, timeout=120)
        assert got.returncode == 0, got.stderr
        assert "value b'kept'" in got.stdout, got.stdout
        # The reloaded GCS accepts the running raylet: it was not restarted.
        assert _state(session)["children"]["raylet"] == raylet
        assert _state(session)["restarts"]["raylet"] == 0
        assert _driver_result(cli)["ran_on"]
        cli.run("stop")


def test_crash_loop_is_given_up_with_the_reason_in_the_log(cli):
    _start_head(cli, "--num-cpus", "1", "--no-dashboard", "--max-restarts", "2",
                "--restart-window", "600")
    session = _session(cli)
    supervisor = cli.info()["supervisors"][0]["pid"]
    killed = []
    for _ in range(2):
        old, _new = _kill_and_wait_for_restart(session, "raylet")
        killed.append(old)
    last = _state(session)["children"]["raylet"]
    gcs = _state(session)["children"]["gcs"]
    os.kill(last, signal.SIGKILL)  # the third crash within the window: more than 2 restarts

    # The node cannot work without its raylet: the supervisor stops the GCS too and exits.
    assert wait_pids_gone([supervisor, gcs, last], timeout=60) == []
    state = _state(session)
    assert state["state"] == "gave_up" and state["restarts"]["raylet"] == 2
    log = _log(session)
    assert "giving up on raylet: it crashed 3 times within 600s" in log, log
    assert "killed by SIGKILL" in log and "--max-restarts" in log
    stop = cli.run("stop")
    assert stop.returncode == 0, stop.stderr
    assert pids_with_cmdline(cli.tmp) == []


def test_stop_leaves_no_process_behind(cli):
    gcs, _ = _start_head(cli, "--num-cpus", "1")  # with the dashboard
    joined = cli.run("start", "--address", gcs, "--num-cpus", "1")
    assert joined.returncode == 0, joined.stderr
    info = cli.info()
    supervisors = [s["pid"] for s in info["supervisors"]]
    assert len(supervisors) == 2 and all(pid_alive(p) for p in supervisors)
    first = _driver_result(cli)  # leaves idle workers behind
    _old, _new = _kill_and_wait_for_restart(_session(cli, 1), "raylet")
    pids = set(info["pids"] + supervisors)
    for s in info["supervisors"]:
        pids.update(_state(s["session_dir"])["children"].values())
    assert first["ran_on"]

    stop = cli.run("stop")
    assert stop.returncode == 0, stop.stderr
    assert wait_pids_gone(sorted(pids), timeout=30) == []
    assert pids_with_cmdline(cli.tmp) == []  # workers included
    assert cli.info() is None
    log = _log(info["supervisors"][0]["session_dir"])
    # The head's raylet and dashboard stop before its GCS.
    assert log.index("stopped raylet") < log.index("stopped gcs"), log
    assert "stopped dashboard" in log and "supervisor exiting (stopped)" in log


def test_a_node_that_cannot_start_is_reported_and_leaves_nothing(cli):
    env = dict(cli.env, COLONY_CLUSTER_TOKEN="t" * 32)
    proc = cli.run("start", "--address", "127.0.0.1:1", "--num-cpus", "1", env=env,
                   timeout=120)
    assert proc.returncode == 1
    assert "raylet did not start" in proc.stderr and "127.0.0.1:1" in proc.stderr, proc.stderr
    assert wait_pids_gone(pids_with_cmdline(cli.tmp), timeout=30) == []  # supervisor too
    assert cli.info() is None


def test_restart_flags_are_checked(cli):
    bad = cli.run("start", "--head", "--max-restarts", "-1")
    assert bad.returncode == 2 and "--max-restarts" in bad.stderr and "0 or more" in bad.stderr
    bad = cli.run("start", "--head", "--restart-window", "0")
    assert bad.returncode == 2 and "--restart-window" in bad.stderr
    assert cli.info() is None


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_restart_policy_backs_off_and_gives_up_within_the_window():
    clock = FakeClock()
    policy = RestartPolicy(max_restarts=3, window=60, backoff=0.5, max_backoff=1.5, clock=clock)
    assert [policy.crashed() for _ in range(3)] == [0.5, 1.0, 1.5]  # doubles, capped
    assert policy.crashed() is None  # the 4th crash within 60s
    assert policy.recent_crashes == 4


def test_restart_policy_forgets_crashes_older_than_the_window():
    clock = FakeClock()
    policy = RestartPolicy(max_restarts=1, window=10, clock=clock)
    assert policy.crashed() == 0.5
    clock.now += 10.5
    assert policy.crashed() == 0.5  # the first one left the window
    clock.now += 1
    assert policy.crashed() is None


def test_restart_policy_rejects_bad_settings():
    with pytest.raises(ValueError, match="max_restarts"):
        RestartPolicy(max_restarts=-1, window=10)
    with pytest.raises(ValueError, match="window"):
        RestartPolicy(max_restarts=1, window=0)


def test_describe_exit():
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exited with code 3"
