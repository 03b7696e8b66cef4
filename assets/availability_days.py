"""Availability rolled up per connector and day (ConnectorAvailabilityDay), so that a fleet's
30 days are 30 rows per connector to sum rather than every status change to walk.

Availability is additive over disjoint periods (seconds up, known and planned), and the status
a day starts with is the last change before it, so the sum of a connector's days is exactly
its availability over them. Days are the project's time zone's (settings.TIME_ZONE).

A day is rolled up once it is over, by the periodic job (beat, or the embedded beat), which
also rolls up again the last RECOMPUTED_DAYS days: a station that was offline sends its queued
StatusNotifications late, stamped with when they happened. A planned outage entered, changed
or removed rolls up again the days it covers, for its station. Older late changes are not seen
by the roll-up (the asset-statuses API, which reads the history itself, sees them).
"""

from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from assets.availability import Availability, Interval
from assets.models import Asset, Connector, ConnectorAvailabilityDay
from assets.status_selectors import (
    availability_by_group,
    connector_histories,
    connectors_with_status_before,
)

# Yesterday and the day before are rolled up again at every run: late StatusNotifications.
RECOMPUTED_DAYS = 2
# Connectors read and written per statement.
CHUNK = 2000


def day_period(day: date) -> Interval:
    """The day from its midnight to the next, in the project's time zone."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    return start, end


def availability_days_roll_up(
    *, days: Iterable[date], asset_ids: Collection[Any] | None = None
) -> int:
    """Compute and store each connector's availability on each of `days` (of `asset_ids`
    only, when given); rows written."""
    written = 0
    for day in sorted(set(days)):
        for connectors in _connector_chunks(asset_ids):
            written += _roll_up_day(day, connectors)
    return written


def _connector_chunks(asset_ids: Collection[Any] | None) -> Iterator[list[Any]]:
    connectors = Connector.objects.order_by("pk")
    if asset_ids is not None:
        connectors = connectors.filter(asset_id__in=list(asset_ids))
    ids = list(connectors.values_list("pk", flat=True))
    for offset in range(0, len(ids), CHUNK):
        yield ids[offset : offset + CHUNK]


def _roll_up_day(day: date, connector_ids: list[Any]) -> int:
    period = day_period(day)
    annotated = connectors_with_status_before(
        Connector.objects.filter(pk__in=connector_ids), start=period[0]
    )
    now = timezone.now()
    rows = [
        ConnectorAvailabilityDay(
            asset_id=history.connector.asset_id,
            evse_id=history.connector.evse_id,
            connector_id=history.connector.connector_id,
            day=day,
            up_seconds=history.availability.up_seconds,
            known_seconds=history.availability.known_seconds,
            planned_seconds=history.availability.planned_seconds,
            computed_at=now,
        )
        for history in connector_histories(list(annotated), period=period)
    ]
    ConnectorAvailabilityDay.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["asset", "evse_id", "connector_id", "day"],
        update_fields=["up_seconds", "known_seconds", "planned_seconds", "computed_at"],
    )
    return len(rows)


def availability_days_due(*, today: date) -> list[date]:
    """The closed days of the kept window never rolled up, and the last RECOMPUTED_DAYS."""
    window = [today - timedelta(days=n) for n in range(1, settings.AVAILABILITY_ROLL_UP_DAYS + 1)]
    done = set(
        ConnectorAvailabilityDay.objects.filter(day__in=window)
        .values_list("day", flat=True)
        .distinct()
    )
    recent = set(window[:RECOMPUTED_DAYS])
    return sorted(day for day in window if day not in done or day in recent)


def availability_days_run(*, now: datetime | None = None) -> int:
    """The periodic job: roll up what is due; rows written. Outside any transaction: each
    chunk is its own statement."""
    today = timezone.localdate(now or timezone.now())
    return availability_days_roll_up(days=availability_days_due(today=today))


def planned_outage_changed(*, asset_id: Any, intervals: Iterable[Interval]) -> int:
    """An outage of the station was entered, moved or removed: roll its days up again (the
    days of its old and its new times) that are over."""
    today = timezone.localdate()
    days: set[date] = set()
    for start, end in intervals:
        day = timezone.localdate(start)
        while day <= timezone.localdate(end) and day < today:
            days.add(day)
            day += timedelta(days=1)
    return availability_days_roll_up(days=days, asset_ids={asset_id}) if days else 0


def availability_by_group_since(
    assets: QuerySet[Asset], *, first_day: date, now: datetime
) -> dict[Any, Availability]:
    """Each asset group's availability from `first_day`'s midnight to `now` (key None: no
    group): the rolled-up days summed, today's part read from the history. If a day of the
    period was never rolled up, the whole period is read from the history (the first run of
    a new installation). Three queries, plus the history's reads (availability_by_group)."""
    today = timezone.localdate(now)
    full_days = [first_day + timedelta(days=n) for n in range((today - first_day).days)]
    rolled = (
        ConnectorAvailabilityDay.objects.filter(asset__in=assets, day__in=full_days)
        .values("asset__asset_group_id", "day")
        .annotate(up=Sum("up_seconds"), known=Sum("known_seconds"), planned=Sum("planned_seconds"))
        .order_by()
    )
    totals: dict[Any, Availability] = {}
    days_found: set[date] = set()
    for row in rolled:
        days_found.add(row["day"])
        group = row["asset__asset_group_id"]
        day_total = Availability(row["up"], row["known"], row["planned"])
        totals[group] = totals[group] + day_total if group in totals else day_total
    if days_found != set(full_days):
        return availability_by_group(assets, period=(day_period(first_day)[0], now))
    for group, part in availability_by_group(assets, period=(day_period(today)[0], now)).items():
        totals[group] = totals[group] + part if group in totals else part
    return totals
