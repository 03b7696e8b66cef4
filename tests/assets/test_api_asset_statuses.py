"""GET /asset-management/v1/asset-statuses: each connector's history and availability over a
period, behind the scope read:assetstatus and the client's network wall, in a fixed number of
queries per page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import api_client_create
from assets.models import PlannedOutage
from assets.station_reports import connector_record_status
from ocpp_bridge.models import ChargerConnection

pytestmark = pytest.mark.django_db

STATUSES = "/asset-management/v1/asset-statuses"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}


def client(scopes: list[str], networks: list[str] | None = None) -> APIClient:
    app, secret = api_client_create(name="s", scopes=scopes, network_names=networks or [])
    http = APIClient()
    token = http.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret},
    )
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    return http


def record(asset: object, evse: int, status: str, hour: float, error_code: str = "") -> None:
    connector_record_status(
        asset_id=asset.pk,  # type: ignore[attr-defined]
        evse_id=evse,
        connector_id=1,
        status=status,
        at=T0 + timedelta(hours=hour),
        error_code=error_code,
    )


def test_history_and_availability_of_a_known_day(make_station) -> None:
    station = make_station("CP-AS1", network_name="north")
    record(station, 1, "Available", -2)  # before the period: its status at the start
    record(station, 1, "Charging", 6)
    record(station, 1, "Faulted", 8, error_code="GroundFailure")
    record(station, 1, "Available", 12)
    record(station, 1, "Available", 30)  # after the period
    PlannedOutage.objects.create(
        asset=station, starts_at=T0 + timedelta(hours=10), ends_at=T0 + timedelta(hours=12)
    )

    response = client(["read:assetstatus"]).get(STATUSES, DAY)

    assert response.status_code == 200, response.content
    (item,) = response.json()["data"]["items"]
    assert (item["ocppIdentity"], item["evseId"], item["connectorId"]) == ("CP-AS1", 1, 1)
    assert item["statusAtStart"] == {
        "status": "Available", "errorCode": None, "at": "2026-02-28T22:00:00Z"
    }  # fmt: skip
    assert item["history"] == [
        {"status": "Charging", "errorCode": None, "at": "2026-03-01T06:00:00Z"},
        {"status": "Faulted", "errorCode": "GroundFailure", "at": "2026-03-01T08:00:00Z"},
        {"status": "Available", "errorCode": None, "at": "2026-03-01T12:00:00Z"},
    ]
    # Faulted 8-12 of which 10-12 planned: 2 h down of 22 h known.
    assert item["availability"] == {
        "ratio": round(20 / 22, 6),
        "upSeconds": 20 * 3600,
        "knownSeconds": 22 * 3600,
        "plannedOutageSeconds": 2 * 3600,
    }
    assert response.json()["data"]["hasMore"] is False


def test_time_its_station_was_offline_counts_as_down(make_station) -> None:
    station = make_station("CP-OFF", network_name="north")
    record(station, 1, "Available", -30)
    # Connected from the day before until 20:00, then offline: 4 h of 24 down.
    connection = ChargerConnection.objects.create(asset=station, protocol="ocpp1.6")
    ChargerConnection.objects.filter(pk=connection.pk).update(
        opened_at=T0 - timedelta(hours=24), closed_at=T0 + timedelta(hours=20)
    )
    (item,) = client(["read:assetstatus"]).get(STATUSES, DAY).json()["data"]["items"]
    assert (item["availability"]["upSeconds"], item["availability"]["knownSeconds"]) == (
        20 * 3600, 24 * 3600
    )  # fmt: skip


def test_without_the_scope_the_answer_is_403(make_station) -> None:
    assert client(["read:asset"]).get(STATUSES).status_code == 403


def test_a_client_restricted_to_a_network_sees_only_its_connectors(make_station) -> None:
    record(make_station("CP-N", network_name="north"), 1, "Available", 1)
    record(make_station("CP-S", network_name="south"), 1, "Available", 1)
    items = client(["read:assetstatus"], ["south"]).get(STATUSES, DAY).json()["data"]["items"]
    assert [item["ocppIdentity"] for item in items] == ["CP-S"]


def test_one_station_by_its_id_or_identity(make_station) -> None:
    wanted = make_station("CP-ONE")
    record(wanted, 1, "Available", 1)
    record(make_station("CP-OTHER"), 1, "Available", 1)
    api = client(["read:assetstatus"])
    for key in (str(wanted.pk), "CP-ONE"):
        items = api.get(STATUSES, {**DAY, "assetId": key}).json()["data"]["items"]
        assert [item["ocppIdentity"] for item in items] == ["CP-ONE"], key


def test_a_reversed_or_too_long_period_is_a_400(make_station) -> None:
    api = client(["read:assetstatus"])
    reversed_period = api.get(STATUSES, {"from": DAY["to"], "to": DAY["from"]})
    too_long = api.get(STATUSES, {"from": "2024-01-01T00:00:00Z", "to": DAY["to"]})
    assert (reversed_period.status_code, too_long.status_code) == (400, 400)


def test_pages_cost_the_same_queries_however_many_connectors(make_station) -> None:
    api = client(["read:assetstatus"])

    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(STATUSES, {**DAY, "limit": 100}).status_code == 200
        return len(captured)

    for evse in (1, 2):
        record(make_station(f"CP-Q{evse}"), evse, "Available", 1)
    queries_for_a_page()  # the first request also loads the token into its cache
    few = queries_for_a_page()
    for number in range(3, 9):
        station = make_station(f"CP-Q{number}")
        for evse in (1, 2):
            record(station, evse, "Charging", 2)
            record(station, evse, "Available", 3)
    assert queries_for_a_page() == few


def test_pages_follow_the_cursor(make_station) -> None:
    for number in range(3):
        record(make_station(f"CP-P{number}"), 1, "Available", 1)
    api = client(["read:assetstatus"])
    first = api.get(STATUSES, {**DAY, "limit": 2}).json()["data"]
    after = first["items"][-1]["id"]
    second = api.get(STATUSES, {**DAY, "limit": 2, "startingAfter": after}).json()["data"]
    assert (first["hasMore"], second["hasMore"]) == (True, False)
    names = [item["ocppIdentity"] for item in first["items"] + second["items"]]
    assert sorted(names) == ["CP-P0", "CP-P1", "CP-P2"]
