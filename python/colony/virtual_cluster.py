"""Virtual clusters: named sets of nodes chosen by node type and count (docs/virtual_clusters.md).

    from colony import virtual_cluster as vc
    vc.create("team-a", {"4c8g": 2, "gpu": 1})                  # indivisible: jobs share it
    vc.create("batch", {"4c8g": 2}, divisible=True)             # jobs may hold job clusters
    vc.update("team-a", {"4c8g": 3})                            # replaces the replica sets
    vc.get("team-a")   # {'id': 'team-a', 'nodes': {node hex: node type}, 'missing': {}, ...}
    vc.list()
    vc.remove("team-a")

A node's type is its ``node_type`` label (``colony start --labels '{"node_type": "4c8g"}'``).
Jobs run in one with ``colony.JobConfig(virtual_cluster_id=...)`` or ``colony job submit
--virtual-cluster``. Each call goes to the GCS of the connected driver, or of ``address``
(``HOST:PORT`` or ``"auto"``: the cluster started on this machine) when not connected.
Refused requests raise ``VirtualClusterError`` (a ``ValueError``) with the GCS's reason.
"""

from __future__ import annotations

import builtins
import json

from colony import _core

_NOT_FOUND = 2
_ALREADY_EXISTS = 3


class VirtualClusterError(ValueError):
    """The GCS refused a virtual cluster request; the message says why."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


def _target(address: str | None) -> tuple[str, str, bool]:
    """(GCS address, token, whether to wait out a restarting GCS): a connected driver's GCS
    is known good, so it is waited for; an address given here fails at once if unreachable."""
    from colony._private import worker
    if address is None and worker.is_initialized() and worker.state.gcs_address:
        return worker.state.gcs_address, worker.state.token, True
    gcs_address, _raylet, token = worker._resolve_address(address or "auto", None)
    return gcs_address, token or "", False


def _call(method: str, request: dict, address: str | None) -> dict:
    gcs_address, token, retry = _target(address)
    try:
        reply = _core.virtual_cluster_call(gcs_address, token, method, json.dumps(request),
                                           retry)
    except _core.CoreError as e:
        raise VirtualClusterError(str(e), e.code) from None
    return json.loads(reply)


def _check_id(cluster_id) -> None:
    if not isinstance(cluster_id, str) or not cluster_id:
        raise VirtualClusterError(f"a virtual cluster id must be a non-empty string, "
                                  f"got {cluster_id!r}")


def _check_replica_sets(replica_sets) -> dict:
    if not isinstance(replica_sets, dict) or not replica_sets:
        raise VirtualClusterError('replica sets must be a non-empty dict {"<node_type>": '
                                  f"<count>, ...}}, got {replica_sets!r}")
    for node_type, count in replica_sets.items():
        if not isinstance(node_type, str) or not node_type:
            raise VirtualClusterError(f"a node type must be a non-empty string, got {node_type!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise VirtualClusterError(f"the count of node type {node_type!r} must be a "
                                      f"non-negative integer, got {count!r}")
    return dict(replica_sets)


def _info(raw: dict) -> dict:
    data = raw.get("data", {})
    return {
        "id": data.get("id", ""),
        "divisible": bool(data.get("divisible", False)),
        "replica_sets": {k: int(v) for k, v in data.get("replica_sets", {}).items()},
        "nodes": dict(raw.get("node_types", {})),            # node id hex -> node type
        "missing": {k: int(v) for k, v in raw.get("missing", {}).items()},
        "parent_id": data.get("parent_id", ""),               # job clusters only
        "job_id": _b64_hex(data.get("job_id", "")),           # job clusters only
    }


def _b64_hex(value: str) -> str:
    import base64
    return base64.b64decode(value).hex() if value else ""


def create(cluster_id: str, replica_sets: dict, divisible: bool = False, *,
           address: str | None = None) -> dict:
    """Creates a virtual cluster of `replica_sets` ({node_type: count}) free nodes."""
    _check_id(cluster_id)
    reply = _call("CreateOrUpdateVirtualCluster",
                  {"id": cluster_id, "divisible": bool(divisible),
                   "replica_sets": _check_replica_sets(replica_sets)}, address)
    return _info(reply.get("virtual_cluster", {}))


def update(cluster_id: str, replica_sets: dict, *, address: str | None = None) -> dict:
    """Replaces its replica sets: types left out go to 0; it takes or frees nodes to match."""
    _check_id(cluster_id)
    reply = _call("CreateOrUpdateVirtualCluster",
                  {"id": cluster_id, "update": True,
                   "replica_sets": _check_replica_sets(replica_sets)}, address)
    return _info(reply.get("virtual_cluster", {}))


def remove(cluster_id: str, *, address: str | None = None) -> None:
    """Removes it; its nodes become free."""
    _check_id(cluster_id)
    _call("RemoveVirtualCluster", {"id": cluster_id}, address)


def get(cluster_id: str, *, address: str | None = None) -> dict:
    """One cluster's state; VirtualClusterError if unknown."""
    _check_id(cluster_id)
    reply = _call("GetVirtualClusters", {"id": cluster_id}, address)
    return _info(reply["virtual_clusters"][0])


def list(*, address: str | None = None) -> builtins.list:  # noqa: A001 (the API's name)
    """Every virtual cluster (job clusters too), by id."""
    reply = _call("GetVirtualClusters", {}, address)
    return [_info(raw) for raw in reply.get("virtual_clusters", [])]
