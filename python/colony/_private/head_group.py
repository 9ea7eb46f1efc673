"""Several GCS processes of one cluster on one Redis: a leader and standby heads
(docs/fault_tolerance.md "Standby head"). Each runs `colony-gcs --standby` on its own fixed
port with its own session folder; the one holding the cluster's leader lease serves, the
others wait to take over. Clients are given `address`, the list of all of them, and follow
the leader by themselves. Used by tests and bench/standby_takeover.py.

    heads = HeadGroup("redis://127.0.0.1:6379", count=2, token=token, leader_lease_ms=1000)
    heads.wait_for_serving()      # index of the GCS that serves
    heads.kill(i)                 # SIGKILL, as a crash would
    heads.restart(i)              # again on its port: it waits as a standby
    heads.stop_all()
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

from colony._private import node as node_mod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HeadGroup:
    """`count` GCS processes on `storage` (redis://...), all started with --standby."""

    def __init__(self, storage: str, count: int, token: str, node_ip: str = "127.0.0.1",
                 leader_lease_ms: int | None = None, cluster_id: str | None = None,
                 health_check_timeout_ms: int | None = None):
        if not storage or not storage.startswith("redis://"):
            raise ValueError(f"standby heads need Redis storage (redis://HOST:PORT[/DB]), "
                             f"got {storage!r}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count!r}")
        self._storage = storage
        self._lease_ms = leader_lease_ms
        self._cluster_id = cluster_id
        self._health_check_timeout_ms = health_check_timeout_ms
        self.heads = [node_mod.NodeProcesses(session_dir=node_mod.new_session_dir(), token=token,
                                             node_ip=node_ip) for _ in range(count)]
        self.ports = [_free_port() for _ in range(count)]
        self.address = ",".join(f"{node_ip}:{port}" for port in self.ports)
        try:
            for i in range(count):
                self._start(i)
        except Exception:
            self.stop_all()
            raise

    def _start(self, i: int) -> None:
        self.heads[i].procs.clear()
        self.heads[i].start_gcs(port=self.ports[i], storage=self._storage, standby=True,
                                leader_lease_ms=self._lease_ms, cluster_id=self._cluster_id,
                                health_check_timeout_ms=self._health_check_timeout_ms,
                                wait=False)

    def proc(self, i: int) -> subprocess.Popen:
        return self.heads[i].procs[0]

    def alive(self, i: int) -> bool:
        return self.proc(i).poll() is None

    def serving(self, i: int) -> bool:
        """Alive and listening: it took the lease and wrote its port file."""
        port_file = os.path.join(self.heads[i].session_dir, "gcs.port")
        return self.alive(i) and os.path.exists(port_file)

    def wait_for_serving(self, exclude: tuple = (), timeout: float = 60.0) -> int:
        """The index of a GCS (not in `exclude`) that serves, once one does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in range(len(self.heads)):
                if i not in exclude and self.serving(i):
                    return i
            time.sleep(0.01)
        raise TimeoutError(f"no GCS of {self.address} served within {timeout}s; logs in "
                           + ", ".join(h.session_dir for h in self.heads))

    def kill(self, i: int) -> None:
        proc = self.proc(i)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    def restart(self, i: int) -> None:
        """Starts GCS `i` again on its port (after it died); it waits as a standby."""
        if self.alive(i):
            raise RuntimeError(f"GCS {i} is still running")
        self._start(i)

    def stop_all(self) -> None:
        for head in self.heads:
            for proc in head.procs:
                if proc.poll() is None:
                    try:
                        os.kill(proc.pid, signal.SIGCONT)  # a test may have stopped it
                    except ProcessLookupError:
                        pass
            head.stop()
