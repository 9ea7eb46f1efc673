"""Placement groups: resources reserved together across nodes (gang scheduling).

    from colony.util import placement_group, remove_placement_group
    from colony.util.scheduling_strategies import PlacementGroupSchedulingStrategy

    pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_SPREAD")
    colony.get(pg.ready())              # or pg.wait(timeout_seconds=10)
    f.options(scheduling_strategy=PlacementGroupSchedulingStrategy(pg, 0)).remote()
    remove_placement_group(pg)          # kills its actors, returns its resources

The GCS places every bundle at once (a two-phase commit with the raylets); a group that
cannot be placed stays pending, with the reason in placement_group_table(). Each bundle's
resources become resources of its node named after the group (``CPU_group_<id>_<i>``), which
the group's tasks and actors ask for. See docs/scheduling.md.
"""

from __future__ import annotations

import json
import math
import os

from colony import _core

STRATEGIES = {"PACK": 0, "SPREAD": 1, "STRICT_PACK": 2, "STRICT_SPREAD": 3}


class PlacementGroup:
    """A handle to a placement group; picklable, so tasks and actors can receive it."""

    def __init__(self, id_hex: str, bundle_specs: list):
        self.id = id_hex
        self.bundle_specs = [dict(b) for b in bundle_specs]
        self._removed = False

    @property
    def bundle_count(self) -> int:
        return len(self.bundle_specs)

    def ready(self):
        """An ObjectRef that resolves (to this group) once the group is placed: a task that
        asks for nothing runs in it."""
        from colony.util.scheduling_strategies import PlacementGroupSchedulingStrategy
        return _make_ready_check().options(
            scheduling_strategy=PlacementGroupSchedulingStrategy(self)).remote(self)

    def wait(self, timeout_seconds: float = 30) -> bool:
        """True once the group is placed; False if it is not within the timeout (or it was
        removed)."""
        if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, (int, float)) \
                or math.isnan(timeout_seconds) or timeout_seconds < 0:
            raise ValueError(f"timeout_seconds must be a number >= 0, got {timeout_seconds!r}")
        _check_initialized("PlacementGroup.wait")
        timeout_ms = -1 if math.isinf(timeout_seconds) else int(timeout_seconds * 1000)
        ready, _found = _core.wait_placement_group(self.id, timeout_ms)
        return ready

    def __reduce__(self):
        return (PlacementGroup, (self.id, self.bundle_specs))

    def __eq__(self, other) -> bool:
        return isinstance(other, PlacementGroup) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"PlacementGroup(id={self.id!r}, bundles={self.bundle_specs!r})"


def _ready_check_fn(pg):
    return pg


_ready_check = None


def _make_ready_check():
    import colony
    global _ready_check
    if _ready_check is None:
        _ready_check = colony.remote(num_cpus=0, max_retries=0)(_ready_check_fn)
    return _ready_check


def _check_initialized(what: str) -> None:
    if not _core.is_initialized():
        raise RuntimeError(f"colony.init() must be called before {what}")


def _check_bundles(bundles) -> list:
    if not isinstance(bundles, (list, tuple)):
        raise TypeError(f"bundles must be a list of dicts (resource -> amount), got "
                        f"{type(bundles).__name__}")
    if not bundles:
        raise ValueError("a placement group needs at least one bundle")
    out = []
    for i, bundle in enumerate(bundles):
        if not isinstance(bundle, dict):
            raise TypeError(f"bundle {i} must be a dict of resource -> amount, got {bundle!r}")
        if not bundle:
            raise ValueError(f"bundle {i} is empty; every bundle needs at least one resource")
        clean = {}
        for name, amount in bundle.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"bundle {i}: resource names must be non-empty strings, got {name!r}")
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) \
                    or math.isnan(amount) or math.isinf(amount) or amount < 0:
                raise ValueError(f"bundle {i}: {name} must be a finite number >= 0, got {amount!r}")
            clean[name] = float(amount)
        if not any(v > 0 for v in clean.values()):
            raise ValueError(f"bundle {i} asks for no resources ({bundle!r}); every bundle needs "
                             f"at least one resource above zero")
        out.append(clean)
    return out


def placement_group(bundles, strategy: str = "PACK", name: str = "",
                    lifetime: str | None = None) -> PlacementGroup:
    """Reserves `bundles` (a list of {resource: amount}) across the cluster.

    strategy: "PACK" (as few nodes as possible), "SPREAD" (as many as possible),
    "STRICT_PACK" (one node, or nothing), "STRICT_SPREAD" (a node per bundle, or nothing).
    name: a named group can be found with get_placement_group(name) in this namespace.
    lifetime: None (removed when the creating job ends) or "detached" (outlives it).
    Returns at once; the group is placed as soon as it fits (pg.ready(), pg.wait())."""
    _check_initialized("placement_group()")
    specs = _check_bundles(bundles)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown placement strategy {strategy!r}; use one of "
                         f"{', '.join(STRATEGIES)}")
    if name is None:
        name = ""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if lifetime not in (None, "detached"):
        raise ValueError(f"lifetime must be None or 'detached', got {lifetime!r}")
    pg_id = os.urandom(16).hex()
    _core.create_placement_group(pg_id, specs, STRATEGIES[strategy], name,
                                 lifetime == "detached")
    _make_ready_check()
    return PlacementGroup(pg_id, specs)


def remove_placement_group(pg: PlacementGroup) -> None:
    """Removes the group: its actors are killed, its tasks' workers end, its resources go
    back to their nodes. Removing a removed group does nothing."""
    if not isinstance(pg, PlacementGroup):
        raise TypeError(f"remove_placement_group needs a PlacementGroup, got {type(pg).__name__}")
    _check_initialized("remove_placement_group()")
    if not _core.remove_placement_group(pg.id):
        raise ValueError(f"unknown placement group {pg.id}")
    pg._removed = True


def _record(text: str) -> dict:
    record = json.loads(text)
    return {
        "placement_group_id": record["placement_group_id"],
        "name": record["name"],
        "namespace": record["namespace"],
        "strategy": record["strategy"],
        "state": record["state"],
        "lifetime": "detached" if record["detached"] else None,
        "creator_job_id": record["creator_job_id"],
        "pending_reason": record["pending_reason"],
        "bundles": {b["index"]: b["resources"] for b in record["bundles"]},
        "bundles_to_node_id": {b["index"]: (b["node_id"] or None) for b in record["bundles"]},
    }


def get_placement_group(name: str, namespace: str | None = None) -> PlacementGroup:
    """The live group named `name` in this job's namespace (or `namespace`)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"get_placement_group needs a non-empty name, got {name!r}")
    _check_initialized("get_placement_group()")
    text = _core.get_placement_group("", name, namespace)
    if text is None:
        raise ValueError(f"no placement group named {name!r}")
    record = _record(text)
    return PlacementGroup(record["placement_group_id"],
                          [record["bundles"][i] for i in sorted(record["bundles"])])


def placement_group_table(pg: PlacementGroup | None = None) -> dict:
    """{group id: record} for every group (removed ones included), or one group's record:
    state (PENDING, PREPARED, CREATED, REMOVED, RESCHEDULING), strategy, bundles,
    bundles_to_node_id, and pending_reason (why it is not placed yet)."""
    _check_initialized("placement_group_table()")
    if pg is not None:
        if not isinstance(pg, PlacementGroup):
            raise TypeError(f"placement_group_table takes a PlacementGroup, got {pg!r}")
        text = _core.get_placement_group(pg.id, "", None)
        if text is None:
            raise ValueError(f"unknown placement group {pg.id}")
        return _record(text)
    return {r["placement_group_id"]: r for r in map(_record, _core.all_placement_groups())}


__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "get_placement_group",
           "placement_group_table"]
