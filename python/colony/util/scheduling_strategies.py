"""Where tasks and actors run: the `scheduling_strategy` option.

    @colony.remote(scheduling_strategy="SPREAD")
    def f(): ...

    node_id = colony.get_runtime_context().get_node_id()
    f.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote()

"DEFAULT" (or None) packs work onto the submitting node (the owner's node, for actors)
until its utilisation passes the scheduler's spread threshold (0.5 by default), then
prefers the least loaded node that fits. "SPREAD" spreads over the nodes that fit.
"""

from __future__ import annotations

import re

_DEFAULT, _SPREAD, _NODE_AFFINITY = 0, 1, 2  # proto SchedulingStrategy.Kind
_NODE_ID = re.compile(r"^[0-9a-f]{32}$")


class NodeAffinitySchedulingStrategy:
    """Run on the node `node_id` (hex, as colony.nodes() and the runtime context give it).

    With soft=False the task fails with TaskUnschedulableError (an actor dies) when that
    node is dead, unknown or cannot fit the request; with soft=True it runs elsewhere then.
    """

    def __init__(self, node_id: str, soft: bool):
        if not isinstance(node_id, str) or not _NODE_ID.match(node_id):
            raise ValueError(f"NodeAffinitySchedulingStrategy needs a node id of 32 hex digits "
                             f"(see colony.nodes()), got {node_id!r}")
        if not isinstance(soft, bool):
            raise TypeError(f"soft must be a bool, got {type(soft).__name__}")
        self.node_id = node_id
        self.soft = soft

    def __repr__(self) -> str:
        return f"NodeAffinitySchedulingStrategy(node_id={self.node_id!r}, soft={self.soft})"


def validate(strategy) -> None:
    """Raises a clear error for anything that is not a strategy."""
    to_tuple(strategy)


def to_tuple(strategy):
    """The form the core takes: None for DEFAULT, else (kind, node_id_hex, soft)."""
    if strategy is None or strategy == "DEFAULT":
        return None
    if strategy == "SPREAD":
        return (_SPREAD, "", False)
    if isinstance(strategy, NodeAffinitySchedulingStrategy):
        return (_NODE_AFFINITY, strategy.node_id, strategy.soft)
    raise ValueError(f"scheduling_strategy must be 'DEFAULT', 'SPREAD' or a "
                     f"NodeAffinitySchedulingStrategy, got {strategy!r}")


__all__ = ["NodeAffinitySchedulingStrategy"]
