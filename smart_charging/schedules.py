"""An operator's limit as a schedule: periods from a start, optionally repeated every day or
week (16 A from 17:00 to 21:00 every day, 32 A otherwise). Pure: no Django.

A limit without periods is one value from the start; the load manager's limits are always
that. A schedule's `peak` is the most it allows in any period: what the CSMS counts a
station at when it cannot know which period the station is in (its clock, a period change
between two re-balances), so a panel planned on it is never overcommitted.
"""

import itertools
from dataclasses import dataclass
from typing import Any

RECURRENCE_SECONDS = {"Daily": 86_400, "Weekly": 604_800}


@dataclass(frozen=True)
class Period:
    """From `start_seconds` after the schedule's start, at most `limit_amps` per phase."""

    start_seconds: int
    limit_amps: float


class ScheduleRefusedError(Exception):
    """Why a schedule cannot be kept or sent: a stable code and a message for the operator."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def schedule_check(
    periods: list[Period], *, recurrency: str = "", station_max_periods: int | None = None
) -> None:
    """Raise ScheduleRefusedError when the periods do not make a schedule a station can apply:
    the first must start at 0, starts must rise, a recurring one must fit in its day or
    week, and there may be no more than the station takes (None: it never said; the station
    answers Rejected if it takes fewer, and the operator sees that status)."""
    if recurrency and recurrency not in RECURRENCE_SECONDS:
        raise ScheduleRefusedError("unknown_recurrency", f"{recurrency!r}: Daily or Weekly.")
    if not periods:
        if recurrency:
            raise ScheduleRefusedError("recurrence_without_periods", "A recurrence needs periods.")
        return
    if periods[0].start_seconds != 0:
        raise ScheduleRefusedError(
            "first_period_not_at_zero",
            f"The first period starts at {periods[0].start_seconds} s, not at 0.",
        )
    for before, after in itertools.pairwise(periods):
        if after.start_seconds <= before.start_seconds:
            raise ScheduleRefusedError(
                "periods_not_ascending",
                f"A period at {after.start_seconds} s follows one at {before.start_seconds} s.",
            )
    if recurrency and periods[-1].start_seconds >= RECURRENCE_SECONDS[recurrency]:
        raise ScheduleRefusedError(
            "period_beyond_recurrence",
            f"A period starts at {periods[-1].start_seconds} s, after its {recurrency} "
            f"recurrence ({RECURRENCE_SECONDS[recurrency]} s) repeats.",
        )
    if station_max_periods is not None and len(periods) > station_max_periods:
        raise ScheduleRefusedError(
            "too_many_periods",
            f"{len(periods)} periods; the station takes at most {station_max_periods} in a "
            "schedule (its ChargingScheduleMaxPeriods / SmartChargingCtrlr.PeriodsPerSchedule).",
            stationMaxPeriods=station_max_periods,
        )


def schedule_peak(periods: list[Period]) -> float:
    """The most the schedule allows in any period (precondition: periods not empty)."""
    return max(period.limit_amps for period in periods)


def periods_from_rows(rows: list[dict[str, float]]) -> list[Period]:
    """Periods as stored on a ChargingLimit (`[{"startPeriod": s, "limitAmps": a}]`)."""
    return [Period(int(row["startPeriod"]), float(row["limitAmps"])) for row in rows]


def periods_as_rows(periods: list[Period]) -> list[dict[str, float]]:
    return [{"startPeriod": p.start_seconds, "limitAmps": p.limit_amps} for p in periods]
