"""A real redis-server for tests: each one runs on a free port in its own temporary folder
with its append-only file on, and is stopped (and its folder removed) at the end.

    with RedisServer() as redis:            # or the `redis_server` fixture (conftest.py)
        url = redis.url                     # "redis://127.0.0.1:PORT"
        redis.kill(); redis.start()         # SIGKILL, then again on the same port and data
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, password: str | None = None, start: bool = True):
        binary = redis_server_path()
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/install.sh installs it)")
        self._binary = binary
        self.password = password
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="colony-redis-")
        self.proc: subprocess.Popen | None = None
        if start:
            self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Starts redis-server (again) on this port with this folder's data."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("redis-server is already running")
        cmd = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
               "--appendonly", "yes", "--save", "", "--logfile", "redis.log"]
        if self.password:
            cmd += ["--requirepass", self.password]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}; see "
                                   f"{os.path.join(self.dir, 'redis.log')}")
            if self.ping():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {self.port} "
                                   f"within {timeout}s")
            time.sleep(0.05)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def client(self):
        """A redis-py client (package `redis`) to look inside."""
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                           socket_timeout=10)

    def kill(self) -> None:
        """SIGKILL: what the append-only file has survives."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "RedisServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
