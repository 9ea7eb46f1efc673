"""The Prometheus scrape config of a cluster's node metrics agents (docs/observability.md).

`colony start --head` writes it into the head's session folder; the dashboard rewrites the
target list whenever the set of nodes' agents changes (Prometheus re-reads file_sd files by
itself). Files, under <session>/metrics/:

    prometheus.yml   a scrape config: point `prometheus --config.file` at it, or copy its
                     scrape_configs entry into your own
    targets.json     the file_sd target list: [{"targets": ["ip:port", ...], "labels": {...}}]
    token            the cluster token, which every agent asks for (0600, like the session)
"""

from __future__ import annotations

import json
import os

from colony._private import node as node_mod

JOB_NAME = "colony-nodes"


def folder(session_dir: str) -> str:
    return os.path.join(session_dir, "metrics")


def _write_atomically(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp"
    node_mod.write_private_file(tmp, data)
    os.replace(tmp, path)  # Prometheus never reads half a file


def write_targets(session_dir: str, targets: list, cluster: str = "colony") -> str:
    path = os.path.join(folder(session_dir), "targets.json")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    body = [{"targets": sorted(targets), "labels": {"colony_cluster": cluster}}]
    _write_atomically(path, (json.dumps(body, indent=2) + "\n").encode())
    return path


def read_targets(session_dir: str) -> list:
    try:
        with open(os.path.join(folder(session_dir), "targets.json")) as f:
            return [t for group in json.load(f) for t in group["targets"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write(session_dir: str, targets: list, token: str, tls_ca: str | None = None,
          scrape_interval_s: int = 10) -> str:
    """Writes the three files; returns the path of prometheus.yml."""
    d = folder(session_dir)
    os.makedirs(d, mode=0o700, exist_ok=True)
    token_path = os.path.join(d, "token")
    _write_atomically(token_path, token.encode())
    targets_path = write_targets(session_dir, targets)
    lines = [
        "# Written by `colony start --head`; the dashboard keeps targets.json up to date as",
        "# nodes join and leave (docs/observability.md).",
        "global:",
        f"  scrape_interval: {int(scrape_interval_s)}s",
        "scrape_configs:",
        f"  - job_name: {JOB_NAME}",
        f"    scheme: {'https' if tls_ca else 'http'}",
        "    authorization:",
        "      type: Bearer",
        f"      credentials_file: {json.dumps(token_path)}",
    ]
    if tls_ca:
        lines += ["    tls_config:", f"      ca_file: {json.dumps(tls_ca)}"]
    lines += ["    file_sd_configs:", f"      - files: [{json.dumps(targets_path)}]",
              "        refresh_interval: 10s", ""]
    path = os.path.join(d, "prometheus.yml")
    _write_atomically(path, "\n".join(lines).encode())
    return path
