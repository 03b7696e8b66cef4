"""What a car's measured draw says about what it wants: a pure module, no Django.

A car drawing well under its limit is taken to want what it draws plus a margin (the rest of
its share goes to the others); held there, it keeps that cap while it draws about the same, and
is taken to want more again once it grows into its margin. The band between the two keeps a car
capped at its draw from looking "near its limit" at the next look (6 A drawn of 7 A held is
86 %: it would be raised and capped again at every look).
"""

import math
from collections.abc import Iterable
from decimal import Decimal

POWER = "Power.Active.Import"
# A car drawing under this share of its limit is taken to want no more than it draws...
UNDER_DRAW = 0.8
# ...plus this margin (A per phase), so that it can show it wants more at a later look.
DRAW_MARGIN = 1.0
# Changes of a target below this (A per phase) are not worth a call (limit_rollout too).
NEGLIGIBLE = 0.05
UNBOUNDED = math.inf


def drawn_amps(watts: float, *, voltage: float, phases: int) -> float:
    """A per phase from a station's total active power."""
    return watts / (voltage * max(phases, 1))


def power_watts(value: Decimal | float, unit: str) -> float:
    """A Power.Active.Import value in W (stations send W or kW)."""
    return float(value) * (1000 if unit.lower() == "kw" else 1)


def car_wants(drawn: float, *, limit: float, capped_at: float | None) -> float:
    """What a car drawing `drawn` under `limit` (both A per phase) is taken to want; UNBOUNDED
    when it may want more. `capped_at`: what it was taken to want when it was given `limit`
    (None: it was given its share, all it could get)."""
    if limit <= 0:
        return UNBOUNDED
    if capped_at is None:
        return drawn + DRAW_MARGIN if drawn < UNDER_DRAW * limit else UNBOUNDED
    if drawn >= limit - DRAW_MARGIN / 2:  # it grew into its margin
        return UNBOUNDED
    if drawn + DRAW_MARGIN < capped_at - DRAW_MARGIN / 2:  # it fell well under its cap
        return drawn + DRAW_MARGIN
    return capped_at


def draw_changes_share(
    drawn: float, *, limit: float, capped_at: float | None, minimum: float
) -> bool:
    """Whether a re-balance now would likely move this car's limit: it draws well under a
    limit that could be lowered (not below `minimum`), or it was capped at its draw and now
    wants more."""
    wanted = car_wants(drawn, limit=limit, capped_at=capped_at)
    if wanted == UNBOUNDED:
        return capped_at is not None
    return max(wanted, minimum) < limit - NEGLIGIBLE


def cap_binds(wanted: float, target: float, *, resolution: float) -> float | None:
    """What to remember of `wanted` with a limit of `target`: the cap when it is what set the
    target (the target rounds down to `resolution`), None when a smaller share did."""
    return wanted if wanted != UNBOUNDED and target > wanted - resolution - 1e-6 else None


def total_power(samples: Iterable[tuple[str, float]]) -> float | None:
    """The station's total power in W from (phase, W) samples of one reading: the value without
    a phase, else the sum of the per-phase ones (L1, L2, L3, or L1-N...); None without any."""
    per_phase = {}
    for phase, watts in samples:
        if not phase:
            return watts
        if phase.startswith("L") and phase[:2] not in per_phase:
            per_phase[phase[:2]] = watts
    return sum(per_phase.values()) if per_phase else None
