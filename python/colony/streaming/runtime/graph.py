"""From a plan to what runs: chains of operators (one actor per chain instance) and the
channels between them (docs/streaming.md, "Actors")."""

from __future__ import annotations

from dataclasses import dataclass

from colony.streaming.plan import JobPlan


@dataclass
class Chain:
    operators: list      # operator ids, upstream first
    language: str
    parallelism: int

    @property
    def head(self) -> str:
        return self.operators[0]

    @property
    def tail(self) -> str:
        return self.operators[-1]


def chains(plan: JobPlan) -> list:
    """Operators joined by a FORWARD edge of equal language and parallelism, where the
    upstream has only that output and the downstream only that input, share an actor."""
    def chained_next(op_id):
        outs = plan.outputs(op_id)
        if len(outs) != 1:
            return None
        _, edge = outs[0]
        up, down = plan.operator(op_id), plan.operator(edge.downstream)
        if (edge.partitioning == "FORWARD" and len(plan.inputs(down.id)) == 1
                and up.language == down.language and up.parallelism == down.parallelism):
            return down.id
        return None

    chained_into = {n for n in (chained_next(op.id) for op in plan.operators) if n}
    out = []
    for op in plan.operators:
        if op.id in chained_into:
            continue
        ids = [op.id]
        while (n := chained_next(ids[-1])) is not None:
            ids.append(n)
        out.append(Chain(ids, op.language, op.parallelism))
    return out


def channel_id(edge_index: int, upstream_instance: int, downstream_instance: int) -> str:
    return f"{edge_index}:{upstream_instance}:{downstream_instance}"


def targets_of(partitioning: str, upstream_instance: int, downstream_parallelism: int) -> list:
    """The downstream instances one upstream instance sends to over an edge."""
    if partitioning == "FORWARD":
        return [upstream_instance]
    return list(range(downstream_parallelism))
