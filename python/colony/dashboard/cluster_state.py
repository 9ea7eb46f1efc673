"""What the dashboard's pages show, read from the GCS through the dashboard's own driver
connection: nodes, jobs, actors, tasks, log files. Actors and tasks come from the state API
(colony.util.state) when this build has it; until then actors are the live named ones."""

from __future__ import annotations

import logging
import time

from colony import _core
from colony._private import log_stream
from colony._private.log_reader import LogReader

log = logging.getLogger("colony.dashboard")
MAX_LOG_BYTES = 256 << 10


def _state_api():
    try:
        from colony.util import state  # the state API (issue 20), if present
        return state
    except ImportError:
        return None


def _plain(record) -> dict:
    if isinstance(record, dict):
        return record
    if hasattr(record, "__dict__"):
        return dict(vars(record))
    return {"value": str(record)}


class ClusterState:
    def __init__(self, jobs, token: str):
        self._jobs = jobs  # JobManager: the submitted jobs
        self._token = token

    # ---- nodes
    def nodes(self) -> list:
        out = []
        for n in _core.nodes():
            out.append({"node_id": n["NodeID"], "alive": n["Alive"],
                        "address": f"{n['NodeManagerAddress']}:{n['NodeManagerPort']}",
                        "ip": n["NodeManagerAddress"], "resources_total": n["Resources"],
                        "resources_available": n["AvailableResources"], "labels": n["Labels"],
                        "death_reason": n["DeathReason"]})
        return out

    # ---- jobs
    def jobs(self) -> list:
        out = [{**j.to_json(), "kind": "submitted"} for j in self._jobs.list()]
        api = _state_api()
        if api is not None and hasattr(api, "list_jobs"):
            try:
                submitted = {j.get("driver_job_id") for j in out}
                for j in api.list_jobs():
                    j = _plain(j)
                    if j.get("job_id") not in submitted:
                        out.append({**j, "kind": "driver"})
            except Exception as e:  # noqa: BLE001 - show what we have
                log.warning("state API list_jobs: %s", e)
        return out

    # ---- actors
    def actors(self) -> dict:
        api = _state_api()
        if api is not None and hasattr(api, "list_actors"):
            try:
                return {"source": "state", "actors": [_plain(a) for a in api.list_actors()]}
            except Exception as e:  # noqa: BLE001
                log.warning("state API list_actors: %s", e)
        actors = []
        for name, ns in _core.list_named_actors(True):
            info = _core.get_actor_info(b"", name, ns)
            if info is None:
                continue
            location = _core.actor_location(info["actor_id"])
            actors.append({"actor_id": info["actor_id"].hex(), "name": name, "namespace": ns,
                           "class_name": info["qualname"] or info["java_class"],
                           "state": _actor_state_name(info["state"]),
                           "node_id": location[0] if location else "",
                           "num_restarts": None})
        return {"source": "named", "actors": actors}

    # ---- tasks
    def tasks(self, limit: int = 100) -> dict:
        api = _state_api()
        if api is None or not hasattr(api, "list_tasks"):
            return {"source": None, "counts": {}, "tasks": [],
                    "note": "task records come with the state API (colony list tasks)"}
        tasks = [_plain(t) for t in api.list_tasks()]
        counts: dict = {}
        for t in tasks:
            counts[str(t.get("state"))] = counts.get(str(t.get("state")), 0) + 1
        tasks.sort(key=lambda t: t.get("creation_time_ms") or 0)  # the most recent first
        return {"source": "state", "counts": counts, "tasks": tasks[-limit:][::-1]}

    # ---- logs
    def log_files(self) -> dict:
        reader = LogReader()
        out = {}
        for node_id, listing in reader.list_files().items():
            workers = {}
            for w in listing["workers"]:
                for f in (w["out_file"], w["err_file"]):
                    workers[f] = {"pid": w["pid"], "job_id": w["job_id"],
                                  "language": w["language"]}
            out[node_id] = {"address": listing["address"],
                            "files": [{**f, **({"worker": workers[f["name"]]}
                                               if f["name"] in workers else {})}
                                      for f in sorted(listing["files"],
                                                      key=lambda f: f["name"])]}
        return out

    def read_log(self, node_id: str, name: str, tail_bytes: int) -> dict:
        reader = LogReader()
        node = reader.node(node_id)
        address = f"{node['NodeManagerAddress']}:{node['NodeManagerPort']}"
        tail_bytes = max(1, min(int(tail_bytes), MAX_LOG_BYTES))
        data, offset, size = _core.read_node_log(address, self._token, name, -tail_bytes,
                                                 tail_bytes)
        text = data.decode(errors="replace")
        lines = text.splitlines()
        if offset > 0 and lines:
            lines = lines[1:]  # the first line is cut
        # Marker lines tell which task printed; they are not output.
        lines = [ln for ln in lines
                 if not ln.startswith((log_stream.TASK_MARKER, log_stream.ACTOR_MARKER))]
        return {"node_id": node["NodeID"], "name": name, "size": size, "lines": lines,
                "read_at": time.time()}


def _actor_state_name(state) -> str:
    names = {0: "PENDING_CREATION", 1: "ALIVE", 2: "RESTARTING", 3: "DEAD"}  # ActorTableData
    return names.get(state, str(state)) if isinstance(state, int) else str(state)
