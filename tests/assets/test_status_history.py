"""Every change of a connector's status or error code is kept, once, with the station's time;
repeats and late reports add nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from assets.models import ConnectorStatusChange
from assets.station_reports import connector_record_status

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def record(asset_id: object, status: str, minutes: int, error_code: str = "") -> None:
    connector_record_status(
        asset_id=asset_id,
        evse_id=1,
        connector_id=1,
        status=status,
        at=T0 + timedelta(minutes=minutes),
        error_code=error_code,
    )


def history(asset_id: object) -> list[tuple[str, str, int]]:
    rows = ConnectorStatusChange.objects.filter(asset_id=asset_id).order_by("at", "id")
    return [(row.status, row.error_code, int((row.at - T0).total_seconds() // 60)) for row in rows]


def test_each_change_is_kept_with_its_time_and_error_code(make_station) -> None:
    asset = make_station("CP-H1")
    record(asset.pk, "Available", 0)
    record(asset.pk, "Charging", 10)
    record(asset.pk, "Faulted", 20, error_code="GroundFailure")
    record(asset.pk, "Faulted", 25, error_code="OverCurrentFailure")
    assert history(asset.pk) == [
        ("Available", "", 0),
        ("Charging", "", 10),
        ("Faulted", "GroundFailure", 20),
        ("Faulted", "OverCurrentFailure", 25),
    ]


def test_a_repeated_status_adds_nothing(make_station) -> None:
    asset = make_station("CP-H2")
    record(asset.pk, "Available", 0)
    record(asset.pk, "Available", 5)  # e.g. after a reboot
    assert history(asset.pk) == [("Available", "", 0)]


def test_a_late_older_report_adds_nothing(make_station) -> None:
    asset = make_station("CP-H3")
    record(asset.pk, "Charging", 10)
    record(asset.pk, "Preparing", 5)  # queued offline, delivered after the newer one
    assert history(asset.pk) == [("Charging", "", 10)]
