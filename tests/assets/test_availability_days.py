"""Availability rolled up per connector and day: its sums are exactly what the history says
over the same days, whatever the history (random ones, offline spells, planned outages); the
periodic run rolls up the days missing and again the last two; an outage entered afterwards
rolls its days up again; retention prunes the days with the history."""

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from assets.availability import Availability
from assets.availability_days import (
    RECOMPUTED_DAYS,
    availability_by_group_since,
    availability_days_due,
    availability_days_roll_up,
    availability_days_run,
    day_period,
)
from assets.models import Asset, AssetGroup, Connector, ConnectorAvailabilityDay, PlannedOutage
from assets.station_reports import connector_record_status
from assets.status_selectors import availability_by_group, connector_histories
from assets.status_selectors import connectors_with_status_before as with_before
from ocpp_bridge.models import ChargerConnection
from retention.services import availability_days_prune

pytestmark = pytest.mark.django_db

STATUSES = ["Available", "Charging", "Faulted", "Unavailable", "SuspendedEV", "Preparing"]


def random_history(asset: Asset, rng: random.Random, *, first: datetime, now: datetime) -> None:
    """Changes on two connectors at random times from `first` to `now`, connections with
    gaps (offline spells), and a planned outage of one EVSE."""
    for evse in (1, 2):
        at = first
        while at < now:
            status = rng.choice(STATUSES)
            connector_record_status(
                asset_id=asset.pk, evse_id=evse, connector_id=1, status=status, at=at,
                error_code="GroundFailure" if status == "Faulted" else "",
            )  # fmt: skip
            at += timedelta(minutes=rng.randrange(20, 60 * 30))
    opened = first + timedelta(hours=rng.randrange(1, 30))
    while opened < now:
        closed = opened + timedelta(hours=rng.randrange(2, 80))
        ChargerConnection.objects.create(
            asset=asset, opened_at=opened, closed_at=closed if closed < now else None
        )
        opened = closed + timedelta(minutes=rng.randrange(5, 600))
    start = first + timedelta(days=rng.randrange(1, 5), hours=rng.randrange(24))
    PlannedOutage.objects.create(
        asset=asset, evse_id=2, starts_at=start, ends_at=start + timedelta(hours=30)
    )


def live(asset_ids: list[Any], period: tuple[datetime, datetime]) -> dict[tuple, Availability]:
    connectors = with_before(Connector.objects.filter(asset_id__in=asset_ids), start=period[0])
    return {
        (h.connector.asset_id, h.connector.evse_id): h.availability
        for h in connector_histories(list(connectors), period=period)
    }


def summed(day_from: date, day_to: date) -> dict[tuple, Availability]:
    totals: dict[tuple, Availability] = {}
    for row in ConnectorAvailabilityDay.objects.filter(day__gte=day_from, day__lte=day_to):
        part = Availability(row.up_seconds, row.known_seconds, row.planned_seconds)
        key = (row.asset_id, row.evse_id)
        totals[key] = totals[key] + part if key in totals else part
    return totals


def approx(found: dict[tuple, Availability]) -> dict[tuple, tuple[Any, Any, Any]]:
    return {
        key: (pytest.approx(a.up_seconds), pytest.approx(a.known_seconds),
              pytest.approx(a.planned_seconds))
        for key, a in found.items()
    }  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_days_sum_to_what_the_history_says_over_them(make_station, seed: int) -> None:
    rng = random.Random(seed)
    today = timezone.localdate()
    first_day = today - timedelta(days=12)
    now = timezone.now()
    assets = [make_station(f"CP-R{seed}-{n}") for n in range(2)]
    for asset in assets:
        random_history(asset, rng, first=day_period(first_day)[0] - timedelta(days=2), now=now)
    days = [first_day + timedelta(days=n) for n in range(12)]

    written = availability_days_roll_up(days=days)

    assert written == 12 * 4  # two connectors on each of two stations, every day
    span = (day_period(days[0])[0], day_period(days[-1])[1])
    expected = live([a.pk for a in assets], span)
    assert any(a.known_seconds > a.up_seconds > 0 for a in expected.values())  # a real history
    assert any(a.planned_seconds > 0 for a in expected.values())
    rolled = summed(days[0], days[-1])
    assert {k: (a.up_seconds, a.known_seconds, a.planned_seconds) for k, a in rolled.items()} == (
        approx(expected)
    )


def test_a_site_over_rolled_days_and_today_is_what_the_history_says(make_station) -> None:
    rng = random.Random(7)
    asset = make_station("CP-S1")
    site = AssetGroup.objects.create(network=asset.network, name="Depot")
    Asset.objects.filter(pk=asset.pk).update(asset_group=site)
    today, now = timezone.localdate(), timezone.now()
    first_day = today - timedelta(days=6)
    random_history(asset, rng, first=day_period(first_day)[0] - timedelta(days=1), now=now)
    availability_days_roll_up(days=[first_day + timedelta(days=n) for n in range(6)])
    stations = Asset.objects.filter(pk=asset.pk)

    found = availability_by_group_since(stations, first_day=first_day, now=now)

    expected = availability_by_group(stations, period=(day_period(first_day)[0], now))
    assert found.keys() == expected.keys() == {site.pk}
    assert found[site.pk].known_seconds > found[site.pk].up_seconds > 0
    assert (found[site.pk].up_seconds, found[site.pk].known_seconds) == (
        pytest.approx(expected[site.pk].up_seconds),
        pytest.approx(expected[site.pk].known_seconds),
    )


def test_a_day_never_rolled_up_is_read_from_the_history(make_station) -> None:
    asset = make_station("CP-S2")
    today, now = timezone.localdate(), timezone.now()
    connector_record_status(
        asset_id=asset.pk, evse_id=1, connector_id=1, status="Available",
        at=day_period(today - timedelta(days=5))[0],
    )  # fmt: skip
    availability_days_roll_up(days=[today - timedelta(days=n) for n in (1, 2, 4)])  # not 3
    ConnectorAvailabilityDay.objects.filter(day=today - timedelta(days=2)).update(up_seconds=0)
    stations = Asset.objects.filter(pk=asset.pk)

    found = availability_by_group_since(stations, first_day=today - timedelta(days=4), now=now)

    assert found[None].ratio == 1.0  # the tampered day was not used: all read afresh


def test_the_run_rolls_up_the_missing_days_and_again_the_last_ones(make_station, settings) -> None:
    settings.AVAILABILITY_ROLL_UP_DAYS = 5
    asset = make_station("CP-D1")
    today = timezone.localdate()
    connector_record_status(
        asset_id=asset.pk, evse_id=1, connector_id=1, status="Available",
        at=day_period(today - timedelta(days=9))[0],
    )  # fmt: skip
    window = [today - timedelta(days=n) for n in range(1, 6)]
    assert availability_days_due(today=today) == sorted(window)

    assert availability_days_run() == 5
    assert availability_days_due(today=today) == sorted(window[:RECOMPUTED_DAYS])
    rows = ConnectorAvailabilityDay.objects.filter(asset=asset)
    assert sorted(rows.values_list("day", flat=True)) == sorted(window)
    assert {row.up_seconds for row in rows} == {86400.0}  # up all day, every day (no DST in UTC)


def test_an_outage_entered_in_the_admin_rolls_its_days_up_again(
    make_station, client, django_capture_on_commit_callbacks
) -> None:
    asset = make_station("CP-O1")
    today = timezone.localdate()
    connector_record_status(
        asset_id=asset.pk, evse_id=1, connector_id=1, status="Faulted",
        at=day_period(today - timedelta(days=9))[0], error_code="GroundFailure",
    )  # fmt: skip
    availability_days_roll_up(days=[today - timedelta(days=n) for n in range(1, 8)])
    client.force_login(User.objects.create_superuser("admin", password="pw"))
    works = day_period(today - timedelta(days=3))
    form = {
        "asset": str(asset.pk), "evse_id": "",
        "starts_at_0": works[0].date().isoformat(), "starts_at_1": "00:00:00",
        "ends_at_0": works[1].date().isoformat(), "ends_at_1": "00:00:00", "reason": "works",
    }  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:assets_plannedoutage_add"), form)

    assert response.status_code == 302, response.content[:2000]
    planned = dict(
        ConnectorAvailabilityDay.objects.filter(asset=asset).values_list("day", "planned_seconds")
    )
    assert planned[today - timedelta(days=3)] == 86400.0
    assert planned[today - timedelta(days=4)] == 0.0 and planned[today - timedelta(days=2)] == 0.0

    outage = PlannedOutage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:assets_plannedoutage_delete", args=[outage.pk]), {"post": "yes"})
    assert ConnectorAvailabilityDay.objects.get(
        asset=asset, day=today - timedelta(days=3)
    ).planned_seconds == 0.0


def test_rolled_up_days_go_with_the_history(make_station, settings) -> None:
    asset = make_station("CP-P1")
    kept = settings.STATUS_HISTORY_RETENTION_DAYS
    today = timezone.localdate()
    for age in (kept + 2, kept - 2):
        ConnectorAvailabilityDay.objects.create(
            asset=asset, evse_id=1, connector_id=1, day=today - timedelta(days=age),
            up_seconds=1, known_seconds=1, planned_seconds=0, computed_at=timezone.now(),
        )  # fmt: skip
    assert availability_days_prune() == 1
    assert list(ConnectorAvailabilityDay.objects.values_list("day", flat=True)) == [
        today - timedelta(days=kept - 2)
    ]
