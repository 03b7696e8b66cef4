"""Availability of connectors from their status history: the share of a period in which a
connector was available or in use, with the outages an operator planned left out (the
public-funding uptime rule: 97 %). Pure computation, no database: assets.status_selectors
reads the history and hands it here.

Counted as up: the statuses in which a driver can charge or is charging (UP_STATUSES), while
the station is connected. Down: Faulted, Unavailable and anything else a station invents, and
any time the station was offline (its last status is stale then). Time before a connector's
first known status is unknown, and counts neither way; so is time a planned outage covers.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

UP_STATUSES = frozenset(
    {
        "Available",
        "Occupied",  # 2.x: a car is plugged in (charging or about to)
        "Reserved",
        # 1.6 spells out what 2.x calls Occupied
        "Preparing",
        "Charging",
        "SuspendedEV",
        "SuspendedEVSE",
        "Finishing",
    }
)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class StatusAt:
    status: str
    error_code: str
    at: datetime


@dataclass(frozen=True)
class Availability:
    """Seconds of a period: `known` excludes unknown time and planned outages."""

    up_seconds: float
    known_seconds: float
    planned_seconds: float

    @property
    def ratio(self) -> float | None:
        """Up time over known time, 0-1; None when nothing is known of the period."""
        return self.up_seconds / self.known_seconds if self.known_seconds > 0 else None

    def __add__(self, other: "Availability") -> "Availability":
        return Availability(
            self.up_seconds + other.up_seconds,
            self.known_seconds + other.known_seconds,
            self.planned_seconds + other.planned_seconds,
        )


NOTHING_KNOWN = Availability(0.0, 0.0, 0.0)


def status_spans(
    *, before: StatusAt | None, changes: Sequence[StatusAt], period: Interval
) -> list[tuple[str, Interval]]:
    """(status, interval) pieces covering the known part of `period`: from the status held at
    its start (`before`, the last change before it, if any) through `changes` (in the period,
    in time order)."""
    start, end = period
    spans: list[tuple[str, Interval]] = []
    current, since = (before.status, start) if before else (None, start)
    for change in changes:
        at = min(max(change.at, start), end)
        if current is not None and at > since:
            spans.append((current, (since, at)))
        current, since = change.status, at
    if current is not None and end > since:
        spans.append((current, (since, end)))
    return spans


def availability(
    *,
    before: StatusAt | None,
    changes: Sequence[StatusAt],
    planned: Iterable[Interval],
    period: Interval,
    offline: Iterable[Interval] = (),
) -> Availability:
    """A connector's availability over `period` (see the module's docstring). `offline`: when
    its station was not connected, which is down whatever status it last reported."""
    outages = merged(clipped(planned, period))
    down = subtract(merged(clipped(offline, period)), outages)
    up = known = planned_seconds = 0.0
    for status, span in status_spans(before=before, changes=changes, period=period):
        length = seconds(span)
        covered = sum(seconds(piece) for piece in clipped(outages, span))
        planned_seconds += covered
        known += length - covered
        if status in UP_STATUSES:
            up += length - covered - sum(seconds(piece) for piece in clipped(down, span))
    return Availability(up, known, planned_seconds)


def subtract(intervals: Sequence[Interval], minus: Sequence[Interval]) -> list[Interval]:
    """The parts of `intervals` (merged, in order) outside every interval of `minus` (merged)."""
    result: list[Interval] = []
    for start, end in intervals:
        for cut_start, cut_end in minus:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                result.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result


def clipped(intervals: Iterable[Interval], period: Interval) -> list[Interval]:
    return [overlap for interval in intervals if (overlap := intersect(interval, period))]


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping intervals joined, in time order (so no planned time counts twice)."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def intersect(a: Interval, b: Interval) -> Interval | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def seconds(interval: Interval) -> float:
    return (interval[1] - interval[0]).total_seconds()
