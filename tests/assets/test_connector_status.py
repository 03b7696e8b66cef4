"""Connector status from StatusNotifications: the newest report wins, whatever the order in
which a station's queue delivers them, in one statement when the connector is known."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Connector
from assets.station_reports import connector_record_status
from csms.runtime.batched_inserts import inserts_batched

T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
T2 = T1 + timedelta(minutes=5)

pytestmark = pytest.mark.django_db


def record(asset_id: object, status: str, at: datetime, **extra: str) -> None:
    connector_record_status(
        asset_id=asset_id, evse_id=1, connector_id=2, status=status, at=at, **extra
    )


def stored(asset_id: object) -> tuple[str, datetime | None, str, str]:
    connector = Connector.objects.get(asset_id=asset_id, evse_id=1, connector_id=2)
    return connector.status, connector.status_at, connector.error_code, connector.vendor_error_code


def test_the_first_report_creates_the_connector_with_all_it_says(make_station) -> None:
    asset = make_station("CP-S1")
    record(asset.pk, "Faulted", T1, error_code="GroundFailure", vendor_error_code="E42")
    assert stored(asset.pk) == ("Faulted", T1, "GroundFailure", "E42")


def test_an_older_report_arriving_late_changes_nothing(make_station) -> None:
    asset = make_station("CP-S2")
    record(asset.pk, "Charging", T2)
    record(asset.pk, "Preparing", T1)  # queued offline, delivered after the newer one
    assert stored(asset.pk) == ("Charging", T2, "", "")
    record(asset.pk, "Finishing", T2 + timedelta(seconds=1), error_code="OtherError")
    assert stored(asset.pk) == ("Finishing", T2 + timedelta(seconds=1), "OtherError", "")


def test_a_known_connector_takes_a_newer_report_in_one_statement(make_station) -> None:
    asset = make_station("CP-S3")
    record(asset.pk, "Available", T1)
    # On the charger path the history's row joins the group commit's one INSERT per model.
    with inserts_batched(), CaptureQueriesContext(connection) as queries:
        record(asset.pk, "Charging", T2)
        assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert stored(asset.pk)[0] == "Charging"
