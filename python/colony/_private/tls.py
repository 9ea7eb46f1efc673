"""TLS for a cluster's gRPC channels: a cluster CA, node certificates, and the environment
that turns it on in the C++ core (COLONY_TLS_CA / COLONY_TLS_CERT / COLONY_TLS_KEY, read by
rpc/grpc_util.cc). docs/security.md describes the scheme."""

from __future__ import annotations

import datetime
import ipaddress
import os

from colony._private import node as node_mod

ENV_CA = "COLONY_TLS_CA"
ENV_CERT = "COLONY_TLS_CERT"
ENV_KEY = "COLONY_TLS_KEY"

_VALID_DAYS = 3650


def _crypto():
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        raise RuntimeError("making TLS certificates needs the 'cryptography' package "
                           "(pip install cryptography), or pass your own with --tls-ca, "
                           "--tls-cert and --tls-key") from None
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def env_of(tls: dict | None) -> dict:
    """The environment variables that give a process these TLS files."""
    if not tls:
        return {}
    return {ENV_CA: tls["ca"], ENV_CERT: tls["cert"], ENV_KEY: tls["key"]}


def _write_key(path: str, key) -> None:
    _, _, serialization, _, _, _ = _crypto()
    node_mod.write_private_file(path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def _write_cert(path: str, cert) -> None:
    _, _, serialization, _, _, _ = _crypto()
    node_mod.write_private_file(path, cert.public_bytes(serialization.Encoding.PEM))


def make_ca(directory: str) -> tuple:
    """A new cluster CA in `directory` (0700): ca.pem and ca.key (0600). Returns the paths."""
    x509, hashes, _, ec, _, NameOID = _crypto()
    node_mod.ensure_private_dir(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Colony cluster CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    ca, ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca.key")
    _write_key(ca_key, key)
    _write_cert(ca, cert)
    return ca, ca_key


def make_node_cert(ca: str, ca_key: str, ips, directory: str, name: str = "node") -> tuple:
    """A certificate for a node, signed by the CA, naming `ips` (and localhost) as SANs.
    Written as <name>.pem and <name>.key (0600) in `directory`; returns their paths."""
    x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID = _crypto()
    node_mod.ensure_private_dir(directory)
    with open(ca, "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    with open(ca_key, "rb") as f:
        signer = serialization.load_pem_private_key(f.read(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    addresses = []
    for ip in ["127.0.0.1", *ips]:
        address = ipaddress.ip_address(ip)
        if address not in addresses:
            addresses.append(address)
    san = [x509.DNSName("localhost")] + [x509.IPAddress(a) for a in addresses]
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(
                NameOID.COMMON_NAME, f"Colony node {addresses[-1]}")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                signer.public_key()), critical=False)
            .sign(signer, hashes.SHA256()))
    cert_path = os.path.join(directory, f"{name}.pem")
    key_path = os.path.join(directory, f"{name}.key")
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path


def new_cluster(session_dir: str, node_ip: str) -> dict:
    """A new CA and this node's certificate, in <session>/tls."""
    directory = os.path.join(session_dir, "tls")
    ca, ca_key = make_ca(directory)
    cert, key = make_node_cert(ca, ca_key, [node_ip], directory)
    return {"ca": ca, "cert": cert, "key": key}


def join(session_dir: str, node_ip: str, ca: str) -> dict:
    """A certificate for a node joining the cluster of CA `ca`, whose key must sit beside it
    (ca.key: a cluster whose head runs on this machine as this user)."""
    ca_key = os.path.join(os.path.dirname(ca), "ca.key")
    if not os.path.exists(ca_key):
        raise RuntimeError(f"no CA key beside {ca} to sign this node's certificate: pass "
                           "--tls-cert and --tls-key (a certificate for this node's IP signed "
                           "by the cluster CA)")
    directory = os.path.join(session_dir, "tls")
    node_mod.ensure_private_dir(directory)
    own_ca = os.path.join(directory, "ca.pem")
    with open(ca, "rb") as f:
        node_mod.write_private_file(own_ca, f.read())
    cert, key = make_node_cert(ca, ca_key, [node_ip], directory)
    return {"ca": own_ca, "cert": cert, "key": key}


def given(ca: str | None, cert: str | None, key: str | None) -> dict:
    """TLS files given on the command line: all three, readable."""
    if not (ca and cert and key):
        raise ValueError("--tls-ca, --tls-cert and --tls-key go together (leave all three out "
                         "and --tls makes a cluster CA and this node's certificate)")
    out = {}
    for what, path in (("ca", ca), ("cert", cert), ("key", key)):
        path = os.path.abspath(path)
        try:
            with open(path, "rb") as f:
                if b"-----BEGIN" not in f.read():
                    raise ValueError(f"--tls-{what} {path} is not a PEM file")
        except OSError as e:
            raise ValueError(f"--tls-{what} {path}: {e.strerror}") from None
        out[what] = path
    return out


def use_cluster_tls(address: str, info: dict | None) -> None:
    """For a driver: if the cluster file says the cluster at `address` uses TLS and the
    environment names no TLS files, name that cluster's (the core reads them at init)."""
    if os.environ.get(ENV_CA):
        return
    if info and info.get("gcs_address") == address and info.get("tls"):
        os.environ.update(env_of(info["tls"]))
