"""Where complete checkpoints are kept: the object store (owned by the job's driver) or a
folder (which a new driver can resume from). A checkpoint is the plan's JSON and one state
blob per operator instance, keyed "<chain head operator id>/<instance>"."""

from __future__ import annotations

import os
import pickle

import colony


class CheckpointStore:
    def save(self, checkpoint_id: int, plan_json: str, states: dict) -> None:
        raise NotImplementedError

    def latest(self):
        """(checkpoint id, plan JSON, states) of the newest complete checkpoint, or None."""
        raise NotImplementedError


class ObjectStoreCheckpointStore(CheckpointStore):
    """Keeps the newest checkpoint as an object this process owns, so it survives the
    operators' workers (not the driver)."""

    def __init__(self):
        self._latest = None

    def save(self, checkpoint_id, plan_json, states):
        self._latest = (checkpoint_id, plan_json, colony.put(dict(states)))

    def latest(self):
        if self._latest is None:
            return None
        cid, plan_json, ref = self._latest
        return cid, plan_json, colony.get(ref)


class FolderCheckpointStore(CheckpointStore):
    """`<folder>/chk-<id>.pkl`, written to a temporary name and renamed, and `LATEST`
    naming the newest; the two newest are kept."""

    def __init__(self, folder: str):
        self._folder = os.path.abspath(folder)
        os.makedirs(self._folder, exist_ok=True)

    def _path(self, checkpoint_id: int) -> str:
        return os.path.join(self._folder, f"chk-{checkpoint_id:010d}.pkl")

    def save(self, checkpoint_id, plan_json, states):
        path = self._path(checkpoint_id)
        _write_atomic(path, pickle.dumps({"checkpoint": checkpoint_id, "plan": plan_json,
                                          "states": dict(states)}, protocol=5))
        _write_atomic(os.path.join(self._folder, "LATEST"), str(checkpoint_id).encode())
        for name in sorted(os.listdir(self._folder)):
            if name.startswith("chk-") and name.endswith(".pkl"):
                cid = int(name[4:-4])
                if cid < checkpoint_id - 1:
                    os.unlink(os.path.join(self._folder, name))

    def latest(self):
        try:
            with open(os.path.join(self._folder, "LATEST"), encoding="ascii") as f:
                checkpoint_id = int(f.read().strip())
        except FileNotFoundError:
            return None
        with open(self._path(checkpoint_id), "rb") as f:
            data = pickle.load(f)
        return data["checkpoint"], data["plan"], data["states"]


def _write_atomic(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
