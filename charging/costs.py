"""The price of a charging session: pure Decimal arithmetic, no database.

cost = energy kWh * price/kWh + charging hours * price/hour + flat fee
       + idle minutes * idle fee/minute

- Charging hours are the session's duration minus its idle time, so a minute is billed either
  by the hour or as idle, never both.
- Idle time is the time after the last `Charging` state in which the (2.x) chargingState was
  SuspendedEV, EVConnected or Idle: the car is done (or gone) but the bay is still taken.
  SuspendedEVSE is the station's own pause and is not billed.
- Minutes and hours are exact fractions; only the total is rounded, half up, to the currency's
  minor unit (2 decimals).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CHARGING = "Charging"
IDLE_STATES = frozenset({"SuspendedEV", "EVConnected", "Idle"})

# (when the state began, the state)
StateChange = tuple[datetime, str]


@dataclass(frozen=True)
class Prices:
    """A rate's prices; a missing price costs nothing."""

    currency: str
    per_kwh: Decimal | None = None
    per_hour: Decimal | None = None
    flat_fee: Decimal | None = None
    idle_per_minute: Decimal | None = None


def session_cost(
    *, prices: Prices, energy_wh: Decimal, duration_seconds: Decimal, idle_seconds: Decimal
) -> Decimal:
    """The amount to charge, rounded to the currency's minor unit."""
    idle_seconds = min(max(idle_seconds, Decimal(0)), max(duration_seconds, Decimal(0)))
    charging_seconds = max(duration_seconds - idle_seconds, Decimal(0))
    amount = (
        max(energy_wh, Decimal(0)) / 1000 * (prices.per_kwh or 0)
        + charging_seconds / 3600 * (prices.per_hour or 0)
        + (prices.flat_fee or 0)
        + idle_seconds / 60 * (prices.idle_per_minute or 0)
    )
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def idle_seconds(*, states: list[StateChange], until: datetime) -> Decimal:
    """Seconds spent in an idle state after the last `Charging` state, up to `until`.

    `states` are the changes in any order; none before charging began is idle (the driver
    has not charged yet), and changes after `until` are ignored.
    """
    timeline = sorted(change for change in states if change[0] <= until)
    last_charging = max(
        (index for index, (_, state) in enumerate(timeline) if state == CHARGING), default=None
    )
    if last_charging is None:
        return Decimal(0)
    idle = Decimal(0)
    trailing = timeline[last_charging + 1 :]
    for index, (began, state) in enumerate(trailing):
        ended = trailing[index + 1][0] if index + 1 < len(trailing) else until
        if state in IDLE_STATES:
            idle += Decimal(str((ended - began).total_seconds()))
    return idle


def sequence_complete(seq_nos: list[int]) -> bool:
    """Whether no event is missing between the first and last seqNo seen: only then can a
    timeline built from the events be trusted to hold every state change."""
    return bool(seq_nos) and max(seq_nos) - min(seq_nos) + 1 == len(set(seq_nos))
