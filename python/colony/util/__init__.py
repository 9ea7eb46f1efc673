"""Utilities beyond the core API: scheduling strategies (colony.util.scheduling_strategies),
placement groups (colony.util.placement_group) and the named actors of the cluster."""

from __future__ import annotations

from colony import _core
from colony.util.placement_group import (PlacementGroup, get_placement_group, placement_group,
                                         placement_group_table, remove_placement_group)


def list_named_actors(all_namespaces: bool = False) -> list:
    """The names of the live named actors in this job's namespace; with all_namespaces=True,
    [{"name": ..., "namespace": ...}] for every namespace (as Ray's)."""
    if not isinstance(all_namespaces, bool):
        raise TypeError(f"all_namespaces must be a bool, got {type(all_namespaces).__name__}")
    if not _core.is_initialized():
        raise RuntimeError("colony.init() must be called before list_named_actors()")
    actors = _core.list_named_actors(all_namespaces)
    if all_namespaces:
        return [{"name": name, "namespace": ns} for name, ns in actors]
    return [name for name, _ in actors]
