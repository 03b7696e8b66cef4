"""How a panel's capacity is shared: a pure function, no Django.

Max-min fairness over the phases: every admitted session starts at the minimum a car accepts,
then all rise together until a session reaches its own ceiling (its station's maximum, or what
its car is seen to draw) or a phase it draws from is full; those stop, the others go on. A
single-phase session thus takes only from its phase, and an equal share is what results when
nothing else binds.

Admission: sessions are taken by priority (higher first), then arrival; one is admitted when
the minimum fits on each of its phases beside those already admitted, else it waits at 0. A
later session on a phase that still has room is admitted even when an earlier one on a full
phase waits: room on L2 is no use to a car waiting for L1.
"""

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# Below this much headroom a phase counts as full (floating point crumbs).
EPSILON = 1e-6
# Limits go out to 0.1 A (the schemas' multipleOf); rounding down never overcommits.
RESOLUTION = 0.1


@dataclass(frozen=True)
class Demand:
    """A session that wants current: its phases, its ceiling (A per phase) and its place in
    the queue (priority, then `arrival`, any sortable value)."""

    key: Hashable
    phases: frozenset[str]
    ceiling: float
    arrival: str = ""
    priority: int = 0


def allocate(
    capacity: Mapping[str, float], demands: Sequence[Demand], *, minimum: float
) -> dict[Hashable, float]:
    """A limit per demand (A per phase) such that on every phase the sum of the limits of the
    demands drawing from it stays within `capacity[phase]` (never negative). Demands whose
    ceiling is below `minimum` get the minimum all the same when admitted: a car that draws
    less than a car's least is given the least, and the remainder is shared out."""
    limits: dict[Hashable, float] = {demand.key: 0.0 for demand in demands}
    admitted = _admit(capacity, demands, minimum=minimum)
    for demand in admitted:
        limits[demand.key] = minimum
    _fill(capacity, admitted, limits, minimum=minimum)
    return {key: _round_down(value) for key, value in limits.items()}


def _admit(
    capacity: Mapping[str, float], demands: Sequence[Demand], *, minimum: float
) -> list[Demand]:
    used = dict.fromkeys(capacity, 0.0)
    admitted = []
    for demand in sorted(demands, key=lambda d: (-d.priority, d.arrival)):
        if minimum <= 0 or not demand.phases <= used.keys():
            continue
        if all(used[phase] + minimum <= capacity[phase] + EPSILON for phase in demand.phases):
            admitted.append(demand)
            for phase in demand.phases:
                used[phase] += minimum
    return admitted


def _fill(
    capacity: Mapping[str, float],
    admitted: list[Demand],
    limits: dict[Hashable, float],
    *,
    minimum: float,
) -> None:
    rising = [d for d in admitted if max(d.ceiling, minimum) > limits[d.key] + EPSILON]
    while rising:
        headroom = {
            phase: capacity[phase] - sum(limits[d.key] for d in admitted if phase in d.phases)
            for phase in capacity
        }
        sharers = {phase: sum(phase in d.phases for d in rising) for phase in capacity}
        step = min(
            [max(d.ceiling, minimum) - limits[d.key] for d in rising]
            + [headroom[p] / sharers[p] for p in capacity if sharers[p]]
        )
        step = max(step, 0.0)
        for demand in rising:
            limits[demand.key] += step
        full = {p for p in capacity if headroom[p] - step * sharers[p] <= EPSILON}
        rising = [
            d
            for d in rising
            if max(d.ceiling, minimum) > limits[d.key] + EPSILON and not d.phases & full
        ]


def _round_down(value: float) -> float:
    tenths = math.floor(value / RESOLUTION + EPSILON)
    return round(tenths * RESOLUTION, 1) if tenths > 0 else 0.0
