"""Where tasks and actors run: the `scheduling_strategy` option.

    @colony.remote(scheduling_strategy="SPREAD")
    def f(): ...

    node_id = colony.get_runtime_context().get_node_id()
    f.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote()

"DEFAULT" (or None) packs work onto the submitting node (the owner's node, for actors)
until its utilisation passes the scheduler's spread threshold (0.5 by default), then
prefers the least loaded node that fits. "SPREAD" takes turns over the nodes that fit.

Node labels (``colony start --labels '{"zone": "a"}'``, plus the built-in
``colony.io/node-id`` and ``colony.io/hostname``; ``colony.nodes()`` shows them) select nodes:

    f.options(scheduling_strategy=NodeLabelSchedulingStrategy(
        hard={"zone": In("a", "b")}, soft={"disk": Exists()})).remote()

Work whose hard selector no node satisfies stays pending (a warning names the selector)
until such a node joins. PlacementGroupSchedulingStrategy runs work in a bundle of a
placement group (colony.util.placement_group). See docs/scheduling.md.
"""

from __future__ import annotations

import re

_DEFAULT, _SPREAD, _NODE_AFFINITY, _NODE_LABEL, _PLACEMENT_GROUP = 0, 1, 2, 3, 4  # proto Kind
_IN, _NOT_IN, _EXISTS, _DOES_NOT_EXIST = 0, 1, 2, 3  # proto LabelMatch.Op
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


class _LabelOperator:
    _op = -1

    def __init__(self, *values):
        self.values = values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(v) for v in self.values)})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.values == other.values

    def __hash__(self) -> int:
        return hash((type(self), self.values))


class _ValuesOperator(_LabelOperator):
    def __init__(self, *values: str):
        if not values:
            raise ValueError(f"{type(self).__name__}() needs at least one label value")
        for v in values:
            if not isinstance(v, str) or not v:
                raise TypeError(f"{type(self).__name__}() takes non-empty strings, got {v!r}")
        super().__init__(*values)


class In(_ValuesOperator):
    """The label is present and its value is one of ``values``."""
    _op = _IN


class NotIn(_ValuesOperator):
    """The label is absent, or its value is none of ``values``."""
    _op = _NOT_IN


class Exists(_LabelOperator):
    """The label is present, whatever its value."""
    _op = _EXISTS

    def __init__(self):
        super().__init__()


class DoesNotExist(_LabelOperator):
    """The label is absent."""
    _op = _DOES_NOT_EXIST

    def __init__(self):
        super().__init__()


def _check_selector(name: str, selector) -> dict:
    if selector is None:
        return {}
    if not isinstance(selector, dict):
        raise TypeError(f"NodeLabelSchedulingStrategy {name} must be a dict of label key -> "
                        f"In/NotIn/Exists/DoesNotExist, got {type(selector).__name__}")
    for key, op in selector.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"NodeLabelSchedulingStrategy {name}: label keys must be non-empty "
                            f"strings, got {key!r}")
        if not isinstance(op, _LabelOperator):
            raise TypeError(f"NodeLabelSchedulingStrategy {name}[{key!r}] must be In(...), "
                            f"NotIn(...), Exists() or DoesNotExist(), got {op!r}")
    return dict(selector)


class NodeLabelSchedulingStrategy:
    """Run on a node whose labels satisfy every condition of ``hard``; among those, prefer
    nodes that also satisfy ``soft`` (when one of them has room now).

        NodeLabelSchedulingStrategy(hard={"zone": In("a", "b")}, soft={"disk": Exists()})
    """

    def __init__(self, hard: dict, *, soft: dict | None = None):
        self.hard = _check_selector("hard", hard)
        self.soft = _check_selector("soft", soft)
        if not self.hard and not self.soft:
            raise ValueError("NodeLabelSchedulingStrategy needs a hard or a soft selector")

    def __repr__(self) -> str:
        return f"NodeLabelSchedulingStrategy(hard={self.hard!r}, soft={self.soft!r})"

    def _matches(self, selector: dict) -> tuple:
        """(key, op, values) per condition, as the core's AddLabelMatch takes them."""
        return tuple((key, op._op, tuple(op.values)) for key, op in selector.items())


class PlacementGroupSchedulingStrategy:
    """Run in a bundle of a placement group (colony.util.placement_group):
    ``placement_group_bundle_index`` names the bundle (-1: any of them). The task's or
    actor's resources are taken from the bundle's, so they must fit in it. With
    ``placement_group_capture_child_tasks=True`` the tasks and actors it submits with the
    DEFAULT strategy run in the group too.

        pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="SPREAD")
        f.options(scheduling_strategy=PlacementGroupSchedulingStrategy(pg, 1)).remote()
    """

    def __init__(self, placement_group, placement_group_bundle_index: int = -1,
                 placement_group_capture_child_tasks: bool = False):
        from colony.util.placement_group import PlacementGroup
        if not isinstance(placement_group, PlacementGroup):
            raise TypeError(f"PlacementGroupSchedulingStrategy needs a PlacementGroup (from "
                            f"colony.util.placement_group), got {type(placement_group).__name__}")
        index = placement_group_bundle_index
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"placement_group_bundle_index must be an int, got {index!r}")
        count = placement_group.bundle_count
        if index < -1 or index >= count:
            raise ValueError(f"placement_group_bundle_index {index} is out of range: the "
                             f"placement group has {count} bundle(s) (use 0..{count - 1}, or -1 "
                             f"for any)")
        if not isinstance(placement_group_capture_child_tasks, bool):
            raise TypeError("placement_group_capture_child_tasks must be a bool")
        self.placement_group = placement_group
        self.placement_group_bundle_index = index
        self.placement_group_capture_child_tasks = placement_group_capture_child_tasks

    def __repr__(self) -> str:
        return (f"PlacementGroupSchedulingStrategy({self.placement_group!r}, "
                f"placement_group_bundle_index={self.placement_group_bundle_index}, "
                f"placement_group_capture_child_tasks={self.placement_group_capture_child_tasks})")


def validate(strategy) -> None:
    """Raises a clear error for anything that is not a strategy."""
    to_tuple(strategy)


def to_tuple(strategy):
    """The form the core takes: None for DEFAULT, else (kind, node_id_hex, soft,
    hard_label_matches, soft_label_matches, placement_group) with label matches as
    (key, op, values) tuples and placement_group as (id_hex, bundle_index, capture) or None."""
    if strategy is None or strategy == "DEFAULT":
        return None
    if strategy == "SPREAD":
        return (_SPREAD, "", False, (), (), None)
    if isinstance(strategy, NodeAffinitySchedulingStrategy):
        return (_NODE_AFFINITY, strategy.node_id, strategy.soft, (), (), None)
    if isinstance(strategy, NodeLabelSchedulingStrategy):
        return (_NODE_LABEL, "", False, strategy._matches(strategy.hard),
                strategy._matches(strategy.soft), None)
    if isinstance(strategy, PlacementGroupSchedulingStrategy):
        pg = strategy.placement_group
        if pg._removed:
            raise ValueError(f"placement group {pg.id} was removed; its bundles are gone")
        return (_PLACEMENT_GROUP, "", False, (), (), (pg.id, strategy.placement_group_bundle_index,
                                                     strategy.placement_group_capture_child_tasks))
    raise ValueError(f"scheduling_strategy must be 'DEFAULT', 'SPREAD', a "
                     f"NodeAffinitySchedulingStrategy, a NodeLabelSchedulingStrategy or a "
                     f"PlacementGroupSchedulingStrategy, got {strategy!r}")


__all__ = ["NodeAffinitySchedulingStrategy", "NodeLabelSchedulingStrategy",
           "PlacementGroupSchedulingStrategy", "In", "NotIn", "Exists", "DoesNotExist"]
