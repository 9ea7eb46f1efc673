"""Reading any process's log file on any node of a cluster (`colony logs`; other tools may
reuse it): each raylet serves its session's logs/ folder (LogService), and lists the worker
processes it started (pid, job, worker ids, log files).

Needs a connected driver (`colony.init(address=..., log_to_driver=False)`). Example:

    reader = LogReader()
    for node_id, files in reader.list_files().items(): ...
    for source in reader.select(actor="<actor id hex>"):
        for line in reader.lines(source): print(line)

A worker's files are split into segments by the marker lines workers write
(`colony._private.log_stream`): --task and --actor select the segments of that task or
actor; marker lines are never shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

from colony import _core
from colony._private import log_stream
from colony._private import worker as worker_mod

CHUNK = 1 << 20


@dataclass(frozen=True)
class LogSource:
    """One log file of one node, and which part of it: `segment` is a marker prefix
    (":colony-task:<id>:" or ":colony-actor:<id>:") or None for the whole file."""
    node_id: str
    raylet_address: str
    name: str
    segment: str | None = None

    def title(self) -> str:
        return f"node {self.node_id[:8]} {self.name}"


class LogReader:
    def __init__(self):
        if not _core.is_initialized():
            raise RuntimeError("reading node logs needs a connected driver: call "
                               "colony.init(address=...) first")
        self._token = worker_mod.state.token
        self._nodes = [n for n in _core.nodes() if n["Alive"]]

    # ---- nodes

    def nodes(self) -> list:
        return list(self._nodes)

    def node(self, selector: str) -> dict:
        """A live node by node id (or a unique prefix of it) or by IP address."""
        wanted = selector.lower()
        found = [n for n in self._nodes
                 if n["NodeID"].startswith(wanted) or n["NodeManagerAddress"] == selector]
        if not found:
            raise ValueError(f"no live node matches {selector!r}; nodes: "
                             + ", ".join(f"{n['NodeID'][:8]} ({n['NodeManagerAddress']})"
                                         for n in self._nodes))
        if len(found) > 1:
            raise ValueError(f"{selector!r} matches {len(found)} nodes; give more of the node id: "
                             + ", ".join(n["NodeID"][:12] for n in found))
        return found[0]

    @staticmethod
    def _address(node: dict) -> str:
        return f"{node['NodeManagerAddress']}:{node['NodeManagerPort']}"

    def _chosen(self, node: str | None) -> list:
        return [self.node(node)] if node else self._nodes

    # ---- listing and selecting

    def list_files(self, node: str | None = None) -> dict:
        """{node id: {"address", "files": [...], "workers": [...]}} of the chosen nodes."""
        out = {}
        for n in self._chosen(node):
            listing = _core.list_node_logs(self._address(n), self._token)
            listing["address"] = self._address(n)
            out[n["NodeID"]] = listing
        return out

    def select(self, *, node: str | None = None, actor: str | None = None,
               task: str | None = None, job: str | None = None, worker_pid: int | None = None,
               file: str | None = None) -> list:
        """The log sources one selector names (at most one of actor, task, job, worker_pid,
        file). Raises ValueError naming the problem when nothing matches."""
        given = [k for k, v in (("actor", actor), ("task", task), ("job", job),
                                ("worker_pid", worker_pid), ("file", file)) if v is not None]
        if len(given) != 1:
            raise ValueError("name exactly one of --actor, --task, --job, --worker or a FILE")
        if actor is not None:
            return self._actor_sources(actor, node)
        listings = self.list_files(node)
        sources = []
        for node_id, listing in listings.items():
            address = listing["address"]
            if file is not None:
                if any(f["name"] == file for f in listing["files"]):
                    sources.append(LogSource(node_id, address, file))
                continue
            for w in listing["workers"]:
                if (job is not None and w["job_id"] == _hex(job, "job")) or \
                        (worker_pid is not None and w["pid"] == worker_pid) or task is not None:
                    segment = f"{log_stream.TASK_MARKER}{_hex(task, 'task')}:" if task else None
                    for name in (w["out_file"], w["err_file"]):
                        if any(f["name"] == name for f in listing["files"]):
                            sources.append(LogSource(node_id, address, name, segment))
        if task is not None:  # only the files where the task printed something
            sources = [s for s in sources if self.lines(s)]
        if not sources:
            what = {"file": f"file {file}", "job": f"job {job}", "worker_pid": f"worker pid {worker_pid}",
                    "task": f"output of task {task}"}[given[0]]
            where = f" on node {node}" if node else " on any live node"
            raise ValueError(f"no logs for {what}{where}")
        return sources

    def _actor_sources(self, actor: str, node: str | None) -> list:
        actor_hex = _hex(actor, "actor")
        location = _core.actor_location(bytes.fromhex(actor_hex))
        if location is None:
            raise ValueError(f"no actor {actor} is known to the GCS (or it never started)")
        node_id, worker_id = location
        if node and not node_id.startswith(node.lower()):
            raise ValueError(f"actor {actor} runs on node {node_id[:8]}, not {node}")
        n = next((n for n in self._nodes if n["NodeID"] == node_id), None)
        if n is None:
            raise ValueError(f"actor {actor} ran on node {node_id[:8]}, which is no longer alive")
        listing = _core.list_node_logs(self._address(n), self._token)
        for w in listing["workers"]:
            if worker_id in w["worker_ids"]:
                segment = f"{log_stream.ACTOR_MARKER}{actor_hex}:"
                return [LogSource(node_id, self._address(n), name, segment)
                        for name in (w["out_file"], w["err_file"])]
        raise ValueError(f"node {node_id[:8]} has no log files of actor {actor}'s worker {worker_id}")

    # ---- reading

    def chunks(self, source: LogSource, offset: int = 0) -> Iterator[tuple]:
        """(bytes, next offset) pieces of the file from `offset` to its current end."""
        while True:
            data, start, size = _core.read_node_log(source.raylet_address, self._token,
                                                    source.name, offset, CHUNK)
            if not data:
                return
            offset = start + len(data)
            yield data, offset
            if offset >= size:
                return

    def lines(self, source: LogSource, tail_bytes: int | None = None) -> list:
        """The file's lines now (its segment's, for a task or an actor), markers left out."""
        tail = self.tail(source, tail_bytes)
        return tail.poll() + tail.rest()

    def tail(self, source: LogSource, tail_bytes: int | None = None) -> "LogTail":
        """A reader of `source` that returns what was appended since its last poll."""
        return LogTail(self, source, -tail_bytes if tail_bytes else 0)


class LogTail:
    """Follows one log source: each poll() returns the complete lines appended since the
    last one (`colony logs --follow` polls every source in turn)."""

    def __init__(self, reader: LogReader, source: LogSource, offset: int = 0):
        self._reader = reader
        self.source = source
        self._offset = offset  # negative: from the end of the file
        self._partial = b""
        self._in_segment = source.segment is None

    def poll(self) -> list:
        out = []
        for data, self._offset in self._reader.chunks(self.source, self._offset):
            *complete, self._partial = (self._partial + data).split(b"\n")
            for raw in complete:
                self._take(raw, out)
        return out

    def rest(self) -> list:
        """The last line, if it has no newline yet (the file is read to its end)."""
        out = []
        if self._partial:
            self._take(self._partial, out)
            self._partial = b""
        return out

    def _take(self, raw: bytes, out: list) -> None:
        line = raw.decode("utf-8", "replace")
        if line.startswith((log_stream.TASK_MARKER, log_stream.ACTOR_MARKER)):
            if self.source.segment is not None:
                self._in_segment = line.startswith(self.source.segment)
            return
        if self._in_segment:
            out.append(line)


def _hex(value: str, what: str) -> str:
    text = value.strip().lower()
    try:
        bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{what} id must be hexadecimal, got {value!r}") from None
    return text
