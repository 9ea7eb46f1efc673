"""The per-node supervisor that `colony start` runs (docs/fault_tolerance.md, "Supervisor").

    python -m colony._private.supervisor --spec SESSION/supervisor_spec.json

It starts the node's processes (the GCS on a head, the raylet, the head's dashboard) as its
own children, restarts one that crashes after a backoff that doubles with each crash, and
gives up on it after more than --max-restarts crashes within --restart-window seconds,
saying why in logs/supervisor.log. SIGTERM (what `colony stop` sends) stops the children,
raylet and dashboard before the GCS, and ends the supervisor. Its children die with it
(PR_SET_PDEATHSIG), so a SIGKILLed supervisor leaves nothing behind either.

What it is doing is in SESSION/supervisor.json (state, addresses, children's pids), which
`colony start` waits on and tests read.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import signal
import subprocess
import sys
import time
from typing import Callable

from colony._private import node as node_mod

SPEC_FILE = "supervisor_spec.json"
STATE_FILE = "supervisor.json"
log = logging.getLogger("colony.supervisor")


class RestartPolicy:
    """Decides, for one process, whether a crash is restarted and after how long.

    More than `max_restarts` crashes within the last `window` seconds means the process
    is crash-looping and is given up on; otherwise the n-th crash of the window waits
    backoff * 2**(n-1) seconds, at most `max_backoff`, so a process that keeps failing
    does not spin while one that crashed once comes back at once.
    """

    def __init__(self, max_restarts: int, window: float, backoff: float = 0.5,
                 max_backoff: float = 10.0, clock: Callable[[], float] = time.monotonic):
        if max_restarts < 0:
            raise ValueError(f"max_restarts must be >= 0, got {max_restarts}")
        if window <= 0:
            raise ValueError(f"restart window must be > 0 seconds, got {window}")
        self.max_restarts, self.window = max_restarts, window
        self.backoff, self.max_backoff = backoff, max_backoff
        self._clock = clock
        self._crashes: collections.deque = collections.deque()

    def crashed(self) -> float | None:
        """Records a crash now; returns the delay before the restart, or None to give up."""
        now = self._clock()
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.window:
            self._crashes.popleft()
        if len(self._crashes) > self.max_restarts:
            return None
        return min(self.backoff * 2 ** (len(self._crashes) - 1), self.max_backoff)

    @property
    def recent_crashes(self) -> int:
        return len(self._crashes)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Child:
    """One supervised process: how to (re)start it, and its restart bookkeeping."""

    def __init__(self, name: str, start: Callable[[bool], subprocess.Popen],
                 policy: RestartPolicy, essential: bool, log_path: str):
        self.name, self.start, self.policy = name, start, policy
        # Without an essential child (GCS, raylet) the node cannot work: giving up on one
        # stops the node; giving up on the dashboard leaves the rest running.
        self.essential = essential
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.restart_at: float | None = None
        self.restarts = 0


class Supervisor:
    def __init__(self, session_dir: str, children: list, addresses: Callable[[], dict],
                 stop_grace: float = 5.0):
        self.session_dir = session_dir
        self.children = children  # in start order; stopped in reverse, the GCS last
        self._addresses = addresses
        self.stop_grace = stop_grace
        self._stopping = False
        self.state = "starting"
        self.error = ""

    # -- state file ------------------------------------------------------------------
    def write_state(self) -> None:
        state = {"pid": os.getpid(), "state": self.state, "error": self.error,
                 **self._addresses(),
                 "children": {c.name: c.proc.pid for c in self.children
                              if c.proc is not None and c.proc.poll() is None},
                 "restarts": {c.name: c.restarts for c in self.children}}
        node_mod.write_private_file(os.path.join(self.session_dir, STATE_FILE),
                                    json.dumps(state).encode())

    # -- life cycle ------------------------------------------------------------------
    def request_stop(self, signum=None, frame=None) -> None:
        self._stopping = True

    def start_all(self) -> bool:
        for child in self.children:
            if self._stopping:
                return False
            try:
                child.proc = child.start(False)
            except Exception as e:  # noqa: BLE001 - reported to `colony start`, then we exit
                self.state, self.error = "failed", f"{child.name} did not start: {e}"
                log.error("%s", self.error)
                return False
            log.info("started %s (pid %d)", child.name, child.proc.pid)
        self.state = "running"
        self.write_state()
        return True

    def run(self) -> int:
        """Watches the children until SIGTERM or until the node cannot go on; returns the
        supervisor's exit code."""
        code = 0
        if not self.start_all():
            code = 1
        while not self._stopping and code == 0:
            now = time.monotonic()
            for child in self.children:
                if child.proc is not None and child.proc.poll() is not None:
                    code = self._exited(child) or code
                elif child.restart_at is not None and now >= child.restart_at:
                    code = self._restart(child) or code
            if code == 0 and all(c.proc is None and c.restart_at is None
                                 for c in self.children):
                log.info("no process of this node is left running: exiting")
                break
            time.sleep(0.1)
        self.stop_children()
        if self.state not in ("failed", "gave_up"):
            self.state = "stopped"
        self.write_state()
        return code

    def _exited(self, child: Child) -> int:
        exit_code = child.proc.returncode
        pid, child.proc = child.proc.pid, None
        if exit_code == 0:
            # A process that exits cleanly was asked to (SIGTERM from someone): not a crash.
            log.info("%s (pid %d) exited cleanly: not restarting it", child.name, pid)
            self.write_state()
            return 0
        log.warning("%s (pid %d) crashed: %s", child.name, pid, describe_exit(exit_code))
        return self._crashed(child, describe_exit(exit_code))

    def _crashed(self, child: Child, why: str) -> int:
        delay = child.policy.crashed()
        if delay is None:
            p = child.policy
            self.error = (f"giving up on {child.name}: it crashed {p.recent_crashes} times "
                          f"within {p.window:g}s (at most {p.max_restarts} restarts allowed "
                          f"in that window, --max-restarts/--restart-window); last: {why}; "
                          f"its log {child.log_path} ends with:\n"
                          f"{node_mod._tail(child.log_path, 10)}")
            log.error("%s", self.error)
            if child.essential:
                log.error("the node cannot work without its %s: stopping it", child.name)
                self.state = "gave_up"
                return 1
            self.write_state()
            return 0
        log.info("restarting %s in %.1fs (%d crash(es) within %gs; gives up at crash %d)",
                 child.name, delay, child.policy.recent_crashes, child.policy.window,
                 child.policy.max_restarts + 1)
        child.restart_at = time.monotonic() + delay
        self.write_state()
        return 0

    def _restart(self, child: Child) -> int:
        child.restart_at = None
        try:
            child.proc = child.start(True)
        except Exception as e:  # noqa: BLE001 - a failed start counts as one more crash
            log.warning("%s failed to restart: %s", child.name, e)
            return self._crashed(child, f"failed to start: {e}")
        child.restarts += 1
        log.info("restarted %s (pid %d, restart %d)", child.name, child.proc.pid,
                 child.restarts)
        self.write_state()
        return 0

    def stop_children(self) -> None:
        """SIGTERM, in two rounds: everything but the GCS (raylets must leave before it),
        then the GCS; SIGKILL for what is still there after stop_grace."""
        for round_ in ([c for c in self.children if c.name != "gcs"],
                       [c for c in self.children if c.name == "gcs"]):
            running = [c for c in reversed(round_) if c.proc is not None and c.proc.poll() is None]
            for c in running:
                c.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_grace
            for c in running:
                try:
                    c.proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop within %gs: SIGKILL", c.name, self.stop_grace)
                    c.proc.kill()
                    c.proc.wait()
                log.info("stopped %s (pid %d)", c.name, c.proc.pid)
            for c in round_:
                c.proc, c.restart_at = None, None


def _children_of(spec: dict, node: node_mod.NodeProcesses, policy_args: dict) -> list:
    """The node's processes as Children; their start functions go through NodeProcesses,
    so a restart runs exactly the command line of the first start."""
    logs = os.path.join(node.session_dir, "logs")

    def launched(start) -> subprocess.Popen:
        try:
            start()
        except BaseException:
            proc = node.procs.pop() if node.procs else None
            if proc is not None and proc.poll() is None:
                proc.kill()
            if proc is not None:
                proc.wait()
            raise
        return node.procs.pop()  # the Child owns it from here

    children = []
    if spec.get("gcs") is not None:
        gcs_args = dict(spec["gcs"])

        def start_gcs(restart: bool):
            if restart:  # the same port: raylets, drivers and the cluster file point at it
                gcs_args["port"] = int(node.gcs_address.rsplit(":", 1)[1])
            return launched(lambda: node.start_gcs(die_with_parent=True, **gcs_args))
        children.append(Child("gcs", start_gcs, RestartPolicy(**policy_args), True,
                              os.path.join(logs, "gcs.log")))
    raylet_args = dict(spec["raylet"])
    children.append(Child(
        "raylet",
        lambda restart: launched(lambda: node.start_raylet(die_with_parent=True, **raylet_args)),
        RestartPolicy(**policy_args), True, os.path.join(logs, "raylet.log")))
    if spec.get("metrics_agent") is not None:
        agent_args = dict(spec["metrics_agent"])

        def start_metrics_agent(restart: bool):
            if restart:  # the same port: the scrape config names it
                agent_args["port"] = int(node.metrics_address.rsplit(":", 1)[1])
            return launched(lambda: node.start_metrics_agent(die_with_parent=True, **agent_args))
        children.append(Child("metrics_agent", start_metrics_agent, RestartPolicy(**policy_args),
                              False, os.path.join(logs, "metrics_agent.log")))
    if spec.get("dashboard") is not None:
        dash_args = dict(spec["dashboard"])

        def start_dashboard(restart: bool):
            if restart:  # the same port: job clients were told this address
                dash_args["port"] = int(node.dashboard_address.rsplit(":", 1)[1])
                dash_args["port_fallback"] = False
            return launched(lambda: node.start_dashboard(die_with_parent=True, **dash_args))
        children.append(Child("dashboard", start_dashboard, RestartPolicy(**policy_args), False,
                              os.path.join(logs, "dashboard.log")))
    return children


def _state_path(session_dir: str) -> str:
    return os.path.join(session_dir, STATE_FILE)


def read_state(session_dir: str) -> dict | None:
    try:
        with open(_state_path(session_dir)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def pid_running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def current_raylet(cluster_info: dict) -> str:
    """The address of the raylet that a supervisor of this cluster file runs now, or "" if
    none runs one (then the GCS is asked for this host's raylet)."""
    for sup in cluster_info.get("supervisors", []):
        state = read_state(sup["session_dir"])
        if (state and state.get("state") == "running" and pid_running(state["pid"])
                and state.get("children", {}).get("raylet")):
            return state["raylet_address"]
    return ""


def launch(node: node_mod.NodeProcesses, spec: dict, timeout: float = 120.0) -> dict:
    """Starts the supervisor of `node`, detached (its own session: it outlives the caller),
    and waits until it runs the node's processes; returns its state (addresses, pids).
    Raises RuntimeError with the reason if the node could not be started."""
    session = node.session_dir
    spec_path = os.path.join(session, SPEC_FILE)
    node_mod.write_private_file(spec_path, json.dumps(spec).encode())
    log_path = os.path.join(session, "logs", "supervisor.log")
    env = dict(os.environ, COLONY_CLUSTER_TOKEN=node.token,
               PYTHONPATH=node_mod._python_path_for_workers())
    with open(log_path, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "colony._private.supervisor",
                                 "--spec", spec_path],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(session)
        if state and state["state"] == "running":
            return state
        if proc.poll() is not None:
            state = read_state(session) or {}
            raise RuntimeError(state.get("error") or
                               f"the node's supervisor exited with code {proc.returncode}; "
                               f"{log_path} ends with:\n{node_mod._tail(log_path)}")
        time.sleep(0.05)
    proc.kill()  # its children die with it
    proc.wait()
    raise RuntimeError(f"the node's processes did not start within {timeout:.0f}s; see "
                       f"{log_path}:\n{node_mod._tail(log_path)}")


def stop(pid: int, session_dir: str, grace: float) -> None:
    """Asks the supervisor `pid` to stop its node (SIGTERM) and waits for it; SIGKILL (its
    children get SIGTERM from the kernel then) if it does not exit in time."""
    if not pid_running(pid) or not _is_supervisor(pid, session_dir):
        return
    os.kill(pid, signal.SIGTERM)
    # It gives each of its two rounds (raylet and dashboard, then GCS) its own grace.
    deadline = time.monotonic() + 2 * max(grace, 5.0) + 5
    while time.monotonic() < deadline and pid_running(pid):
        time.sleep(0.05)
    if pid_running(pid):
        os.kill(pid, signal.SIGKILL)


def _is_supervisor(pid: int, session_dir: str) -> bool:
    """Guards against a reused pid: the process must be this session's supervisor."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return os.path.join(session_dir, SPEC_FILE).encode() in f.read()
    except OSError:
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="colony-supervisor")
    parser.add_argument("--spec", required=True, help="the JSON file `colony start` wrote")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    with open(args.spec) as f:
        spec = json.load(f)
    token = os.environ.get("COLONY_CLUSTER_TOKEN", "")
    node = node_mod.NodeProcesses(spec["session_dir"], token, node_ip=spec["node_ip"],
                                  gcs_address=spec.get("gcs_address", ""), tls=spec.get("tls"))
    policy_args = {"max_restarts": spec["max_restarts"], "window": spec["restart_window"]}
    sup = Supervisor(node.session_dir, _children_of(spec, node, policy_args),
                     lambda: {"gcs_address": node.gcs_address,
                              "raylet_address": node.raylet_address,
                              "dashboard_address": node.dashboard_address,
                              "metrics_address": node.metrics_address},
                     stop_grace=spec.get("stop_grace", 5.0))
    signal.signal(signal.SIGTERM, sup.request_stop)
    signal.signal(signal.SIGINT, sup.request_stop)
    log.info("supervising node %s (session %s): max %d restarts within %gs per process",
             node.node_ip, node.session_dir, spec["max_restarts"], spec["restart_window"])
    code = sup.run()
    log.info("supervisor exiting (%s)", sup.state)
    return code


if __name__ == "__main__":
    sys.exit(main())
