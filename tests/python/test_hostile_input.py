"""Hostile input against a real local cluster: random bytes, truncated frames, huge length
prefixes and garbage or absurd protobufs sent to every server a node runs (the GCS and
raylet gRPC ports, a worker's local channel, the object store's socket), after which the
cluster must still run tasks and actor calls and its processes must all be alive.

Property tests with a seeded generator (reproducible); the C++ side is fuzzed for real by
scripts/fuzz.sh (src/core_cpp/fuzz)."""

import glob
import os
import random
import re
import socket
import struct

import grpc
import pytest

import colony
from colony._private.worker import state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 15


@pytest.fixture(scope="module")
def hostile_cluster():
    colony.init(num_cpus=2)
    yield state.node
    colony.shutdown()


@colony.remote
def square(x):
    return x * x


@colony.remote
def my_worker_id():
    return colony.get_runtime_context().get_worker_id()


@colony.remote
class Counter:
    def __init__(self):
        self.n = 0

    def add(self, k):
        self.n += k
        return self.n


def _services(proto, service):
    """The method names of `service` in proto/<proto>.proto."""
    text = open(os.path.join(ROOT, "proto", proto + ".proto")).read()
    body = re.search(r"service %s \{(.*?)\}" % service, text, re.S).group(1)
    return re.findall(r"rpc (\w+)\(", body)


def _host_port(address):
    host, port = address.rsplit(":", 1)
    return host, int(port)


def _garbage(rng):
    """Byte strings a broken or hostile peer might send."""
    out = [b"", b"\x00", b"\xff" * 64, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))]
    # Truncated length-delimited fields with absurd lengths (2^31, 10^9, 2^63).
    for length in (1 << 31, 10 ** 9, (1 << 63) - 1):
        out.append(b"\x0a" + _varint(length) + b"abc")
        out.append(b"\x3a" + _varint(length))
    # A varint that never ends, a group that never closes, an invalid wire type.
    out += [b"\x08" + b"\xff" * 20, b"\x0b" * 50, b"\x0f\x01"]
    return out


def _varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number, payload):
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _double_entry(name, value):
    """One map<string, double> entry."""
    return _field(1, name.encode()) + _varint(2 << 3 | 1) + struct.pack("<d", value)


def _absurd_resources(field_number, rng):
    values = [-1.0, float("nan"), float("inf"), -float("inf"), 1e300, -1e300, 2.0 ** 63]
    return [_field(field_number, _double_entry(rng.choice(["CPU", "GPU", "memory", "x" * 300]), v))
            for v in values]


def _absurd_requests(method, rng):
    """Well-formed protobufs with absurd field values for a few methods."""
    job_id = b"\xff\xff\xff\x7f"  # a job that does not exist
    node_id = bytes(rng.getrandbits(8) for _ in range(16))
    if method == "RequestWorkerLease":
        return [_field(1, job_id) + r for r in _absurd_resources(3, rng)]
    if method == "RegisterNode":
        return [_field(1, _field(1, node_id) + _field(2, b"127.0.0.1") + r)
                for r in _absurd_resources(4, rng) + _absurd_resources(5, rng)]
    if method == "ReportResources":
        return [_field(1, node_id) + r for r in _absurd_resources(2, rng)]
    if method in ("KvPut", "KvGet", "KvKeys"):
        return [_field(1, b"hostile") + _field(2, b"k" * 100000) + _field(3, b"v" * 100000)]
    if method == "FreeObjects":
        return [b"".join(_field(1, bytes(rng.getrandbits(8) for _ in range(20))) for _ in range(5000))]
    if method == "WatchOwner":  # an owner address nobody listens at
        return [_field(1, _field(2, b"256.1.1.1") + _varint(3 << 3) + _varint(70000))]
    return []


def _raw_tcp(address, payloads):
    host, port = _host_port(address)
    for payload in payloads:
        with socket.create_connection((host, port), timeout=10) as s:
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(5)
                while s.recv(65536):
                    pass
            except OSError:
                pass  # the server hung up on us: fine


def _http2_payloads(rng):
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    frames = []
    for length in (0, 5, (1 << 24) - 1):  # HTTP/2 frame lengths are 24 bits
        frames.append(preface + struct.pack(">I", length)[1:] + b"\x04\x00\x00\x00\x00\x00" + b"\x00" * 5)
    return [preface, preface[:10]] + frames + [bytes(rng.getrandbits(8) for _ in range(2000))
                                               for _ in range(5)]


def _assert_cluster_works(node):
    assert colony.get([square.remote(i) for i in range(20)]) == [i * i for i in range(20)]
    c = Counter.remote()
    assert colony.get([c.add.remote(1) for _ in range(10)])[-1] == 10
    # No server process died on the way.
    for pid in node.pids():
        os.kill(pid, 0)


def test_raw_tcp_garbage_to_gcs_and_raylet(hostile_cluster):
    rng = random.Random(SEED)
    payloads = _garbage(rng) + _http2_payloads(rng)
    for address in (hostile_cluster.gcs_address, hostile_cluster.raylet_address):
        _raw_tcp(address, payloads)
    _assert_cluster_works(hostile_cluster)


@pytest.mark.parametrize("proto,service,address_of", [
    ("gcs", "GcsService", lambda n: n.gcs_address),
    ("raylet", "NodeManagerService", lambda n: n.raylet_address),
    ("raylet", "ObjectManagerService", lambda n: n.raylet_address),
])
def test_garbage_protobufs_reach_every_grpc_handler(hostile_cluster, proto, service, address_of):
    rng = random.Random(SEED)
    metadata = [("colony-token", hostile_cluster.token)]
    codes = {}
    with grpc.insecure_channel(address_of(hostile_cluster), options=[("grpc.enable_http_proxy", 0)]) as channel:
        for method in _services(proto, service):
            call = channel.unary_unary(f"/colony.rpc.{service}/{method}",
                                       request_serializer=None, response_deserializer=None)
            for payload in _garbage(rng) + _absurd_requests(method, rng):
                try:
                    call(payload, metadata=metadata, timeout=2)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                # Long polls may run into the deadline; the server itself must answer.
                assert code != grpc.StatusCode.UNAVAILABLE, (method, payload[:40])
                codes.setdefault(method, set()).add(code)
            # Without the token nothing reaches a handler.
            with pytest.raises(grpc.RpcError) as e:
                call(b"", timeout=3)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # Garbage is refused as such (not just timed out) somewhere in every service.
    assert any(grpc.StatusCode.INVALID_ARGUMENT in c or grpc.StatusCode.INTERNAL in c
               for c in codes.values()), codes
    _assert_cluster_works(hostile_cluster)


def _local_channel_frame(word, body, call_id=1, size=None):
    size = len(body) if size is None else size
    return struct.pack("<IIQ", size, word, call_id) + body


def test_garbage_to_a_workers_local_channel(hostile_cluster):
    rng = random.Random(SEED)
    worker_id = colony.get(my_worker_id.remote())  # a worker that stays in the pool
    name = b"\x00colony-worker-" + worker_id.encode()
    hello = _local_channel_frame(0, hostile_cluster.token.encode(), call_id=0)
    unauthenticated = _garbage(rng) + [
        _local_channel_frame(0, b"", size=0xFFFFFFFF),      # 4 GiB announced before the hello
        _local_channel_frame(0, b"x" * 10, size=1 << 30),
        _local_channel_frame(0, b"wrong token"),
        _local_channel_frame(1, b"a push before the hello"),
        hello[:7],                                           # a truncated header
    ]
    authenticated = [hello + p for p in [
        _local_channel_frame(1, b"", size=(1 << 30) + 1),   # over the 1 GiB limit
        _local_channel_frame(1, b"\x00" * 100, size=1 << 29),  # announced, never sent
        _local_channel_frame(7, b"unknown method"),
        _local_channel_frame(1, b"\x0a\x05trunc"),           # a PushTaskRequest cut short
        _local_channel_frame(1, bytes(rng.getrandbits(8) for _ in range(500))),
    ] + [_local_channel_frame(1, g, call_id=i) for i, g in enumerate(_garbage(rng))]]
    for payload in unauthenticated + authenticated:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(name)
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except OSError:
                pass
    _assert_cluster_works(hostile_cluster)
    # The worker that got it all still serves.
    ids = set(colony.get([my_worker_id.remote() for _ in range(8)]))
    assert ids


def _store_frame(msg_type, body, request_id=1, size=None):
    size = len(body) if size is None else size
    return struct.pack("<IHHQ", size, msg_type, 0, request_id) + body


def test_garbage_to_the_object_store_socket(hostile_cluster):
    rng = random.Random(SEED)
    (path,) = glob.glob(os.path.join(hostile_cluster.session_dir, "sockets", "plasma_*"))
    connect = _store_frame(1, b"")
    object_id = bytes(rng.getrandbits(8) for _ in range(20))
    payloads = _garbage(rng) + [
        _store_frame(2, b"", size=0xFFFFFFFF),           # a 4 GiB frame announced
        _store_frame(2, b"abc", size=(64 << 20) - 1),     # just under the limit, never sent
        _store_frame(999, b""),                           # unknown type
        connect[:9],                                      # truncated
        connect + _store_frame(2, object_id + struct.pack("<QQ", (1 << 64) - 1, 0)),  # huge create
        connect + _store_frame(2, object_id + struct.pack("<QQ", (1 << 63), (1 << 63))),  # overflow
        connect + _store_frame(5, struct.pack("<qI", (1 << 63) - 1, 1) + object_id),  # absurd timeout
        connect + _store_frame(5, struct.pack("<qI", -5, 1) + object_id),
        connect + _store_frame(5, struct.pack("<qI", 0, 0xFFFFFFFF)),  # 4 billion ids announced
        connect + _store_frame(12, object_id + struct.pack("<I", 0xFFFFFFFF)),  # owner of 4 GiB
        connect + connect,                                # connecting twice
    ] + [connect + _store_frame(rng.randint(1, 13), bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 80))))
         for _ in range(50)]
    for payload in payloads:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(path)
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except OSError:
                pass
    _assert_cluster_works(hostile_cluster)
    # Large values still go through the store.
    import numpy as np
    big = np.arange(1 << 20, dtype=np.int64)
    assert (colony.get(colony.put(big)) == big).all()
