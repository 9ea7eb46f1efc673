"""gRPC over TLS: `colony start --head --tls` and `colony start --address ... --tls` on one
machine (two nodes), drivers that find the CA, and a plaintext client refused.

TMPDIR points at the test's own folder, as in test_cluster_cli.py.
"""

import json
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import textwrap
import urllib.request

import pytest

from colony_testutil import pid_alive, pids_with_cmdline, subprocess_env, wait_for, wait_pids_gone

pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402


class Cli:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="ctls", dir="/tmp")
        self.env = subprocess_env(TMPDIR=self.tmp)
        for name in ("COLONY_CLUSTER_TOKEN", "COLONY_STATE_DIR", "COLONY_TLS_CA",
                     "COLONY_TLS_CERT", "COLONY_TLS_KEY"):
            self.env.pop(name, None)
        self.cluster_file = os.path.join(self.tmp, f"colony-{os.geteuid()}",
                                         "current_cluster.json")

    def run(self, *args, timeout=90):
        return subprocess.run([sys.executable, "-m", "colony.scripts.cli", *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def driver(self, code, timeout=90, env=None):
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                              env=env or self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def info(self):
        try:
            with open(self.cluster_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def cleanup(self):
        info = self.info()
        self.run("stop", "--grace", "3")
        for pid in (info or {}).get("pids", []) + pids_with_cmdline(self.tmp):
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def cli():
    c = Cli()
    yield c
    c.cleanup()


def _start_head(cli, *extra):
    proc = cli.run("start", "--head", *extra)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    m = re.search(r"GCS address: (\S+:\d+)", proc.stdout)
    assert m, proc.stdout
    return m.group(1)


def _split(address):
    host, port = address.rsplit(":", 1)
    return host, int(port)


def _answers_plaintext_http2(address):
    """True if the server answers an HTTP/2 preface with a SETTINGS frame (plaintext gRPC)."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    with socket.create_connection(_split(address), timeout=30) as s:
        s.sendall(preface)
        data = b""
        try:
            while len(data) < 9:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    return len(data) >= 9 and data[3] == 0x04  # frame type SETTINGS


def _tls_handshake(address, cafile):
    """Completes a TLS handshake that verifies the server against `cafile` and its IP."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["h2"])
    host, port = _split(address)
    with socket.create_connection((host, port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            return s.getpeercert()


def _sans(cert_path):
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in ext.get_values_for_type(x509.IPAddress)}


def test_two_node_cluster_over_tls(cli):
    gcs = _start_head(cli, "--tls", "--num-cpus", "1", "--resources", '{"head_res": 1}')
    info = cli.info()
    tls = info["tls"]
    for path in (tls["ca"], tls["cert"], tls["key"]):
        assert os.path.dirname(path) == os.path.join(info["session_dir"], "tls")
    assert stat.S_IMODE(os.stat(os.path.dirname(tls["key"])).st_mode) == 0o700
    ca_key = os.path.join(os.path.dirname(tls["ca"]), "ca.key")
    for key in (tls["key"], ca_key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert "127.0.0.1" in _sans(tls["cert"])

    join = cli.run("start", "--address", gcs, "--tls", "--num-cpus", "1",
                   "--resources", '{"worker_res": 1}')
    assert join.returncode == 0, join.stderr + join.stdout
    # GCS, raylet, metrics agent, dashboard; raylet, metrics agent
    assert len(cli.info()["pids"]) == 6
    worker_metrics = re.search(r"Node metrics: +https://(\S+)/metrics", join.stdout).group(1)

    # The GCS speaks TLS only: a plaintext HTTP/2 client gets no SETTINGS frame; a TLS client
    # that trusts the cluster CA completes the handshake and names the GCS by its IP.
    assert not _answers_plaintext_http2(gcs)
    assert _tls_handshake(gcs, tls["ca"])
    with pytest.raises(ssl.SSLCertVerificationError):
        _tls_handshake(gcs, None)  # the system CAs do not vouch for it

    drv = cli.driver("""
        import json, os, colony
        colony.init(address="auto")
        @colony.remote
        def where(blob):
            return colony.get_runtime_context().get_node_id(), len(blob)
        @colony.remote
        def big():
            from colony.util.metrics import Counter
            Counter("tls_bigs", "big returns made").inc()
            return b"x" * (4 << 20)
        @colony.remote
        class Counter:
            def __init__(self):
                self.n = 0
            def add(self, k):
                self.n += k
                return self.n
        blob = colony.put(b"y" * (2 << 20))
        head = colony.get(where.options(resources={"head_res": 1}).remote(blob), timeout=60)
        worker = colony.get(where.options(resources={"worker_res": 1}).remote(blob), timeout=60)
        far = colony.get(big.options(resources={"worker_res": 1}).remote(), timeout=60)
        counter = Counter.options(resources={"worker_res": 1}).remote()
        total = colony.get([counter.add.remote(i) for i in range(5)], timeout=60)[-1]
        # big's worker reports its metric within about a second; the job's workers die with
        # the driver, so wait for it at the worker node's agent (HTTPS, found in the GCS KV).
        import ssl, time, urllib.request
        from colony import _core
        from colony._private import worker as worker_mod
        agent = json.loads(_core.kv_get("metrics_agents", worker[0].encode()))["address"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(
            context=ssl.create_default_context(cafile=os.environ["COLONY_TLS_CA"])))
        req = urllib.request.Request(f"https://{agent}/metrics",
                                     headers={"Authorization": "Bearer " + worker_mod.state.token})
        deadline = time.monotonic() + 60
        while "tls_bigs_total{" not in opener.open(req, timeout=10).read().decode():
            assert time.monotonic() < deadline, "the task's metric never reached its agent"
            time.sleep(0.2)
        print(json.dumps({"nodes": len([n for n in colony.nodes() if n["Alive"]]),
                          "head": head, "worker": worker, "far": len(far), "total": total,
                          "tls_ca": os.environ.get("COLONY_TLS_CA")}))
        colony.shutdown()
    """)
    assert drv.returncode == 0, drv.stderr
    out = json.loads(drv.stdout.strip().splitlines()[-1])
    assert out["nodes"] == 2
    assert out["head"][0] != out["worker"][0]
    assert out["head"][1] == out["worker"][1] == 2 << 20  # the put crossed to both nodes
    assert out["far"] == 4 << 20                          # and a return came back

    # The worker node's metrics agent speaks HTTPS with the node certificate, and the task's
    # user metric reached it over HTTPS too.
    ctx = ssl.create_default_context(cafile=tls["ca"])
    req = urllib.request.Request(f"https://{worker_metrics}/metrics",
                                 headers={"Authorization": f"Bearer {info['token']}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    wait_for(lambda: "tls_bigs_total{" in opener.open(req, timeout=10).read().decode(),
             timeout=60, interval=0.5, what="the task's metric at the worker node's agent")
    assert out["total"] == 10
    assert out["tls_ca"] == tls["ca"]

    status = cli.run("status")
    assert status.returncode == 0, status.stderr
    assert "Nodes: 2 alive, 0 dead" in status.stdout, status.stdout

    pids = cli.info()["pids"]
    stop = cli.run("stop")
    assert stop.returncode == 0 and "stopped 6 process(es)" in stop.stdout
    assert wait_pids_gone(pids) == []


def test_given_certificates_and_a_plaintext_driver_is_refused(cli, tmp_path):
    from colony._private import tls as tls_mod
    mine = tmp_path / "pki"
    ca, ca_key = tls_mod.make_ca(str(mine))
    cert, key = tls_mod.make_node_cert(ca, ca_key, ["127.0.0.1"], str(mine), name="head")
    gcs = _start_head(cli, "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key,
                      "--num-cpus", "1")
    assert cli.info()["tls"] == {"ca": ca, "cert": cert, "key": key}
    assert _tls_handshake(gcs, ca)
    token = cli.info()["token"]

    # A driver given the address, the token and the CA files by environment.
    env = dict(cli.env, COLONY_CLUSTER_TOKEN=token, COLONY_TLS_CA=ca, COLONY_TLS_CERT=cert,
               COLONY_TLS_KEY=key, TMPDIR=tempfile.gettempdir())
    ok = cli.driver(f"""
        import colony
        colony.init(address="{gcs}")
        @colony.remote
        def add(a, b):
            return a + b
        print("sum", colony.get(add.remote(1, 2), timeout=60))
        colony.shutdown()
    """, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "sum 3" in ok.stdout

    # The same driver without TLS: the right token is not enough.
    plain = dict(env)
    for name in ("COLONY_TLS_CA", "COLONY_TLS_CERT", "COLONY_TLS_KEY"):
        plain.pop(name)
    refused = cli.driver(f"""
        import colony
        try:
            colony.init(address="{gcs}")
            colony.nodes()
        except Exception as e:
            print("refused:", type(e).__name__)
        else:
            print("accepted")
    """, env=plain)
    assert "refused:" in refused.stdout, refused.stdout + refused.stderr


def test_join_over_tls_needs_the_ca(cli):
    proc = cli.run("start", "--address", "127.0.0.1:1", "--tls", "--token", "t")
    assert proc.returncode == 1
    assert "--tls-ca" in proc.stderr, proc.stderr
    half = cli.run("start", "--head", "--tls-cert", "/nonexistent.pem")
    assert half.returncode == 1 and "go together" in half.stderr, half.stderr
    assert cli.info() is None
