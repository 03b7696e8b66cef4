"""GET /sessions and /sessions/{id} over real HTTP with real tokens."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from assets.models import Asset
from charging.models import ChargingSession
from charging.services import session_start_v16, session_stop_v16
from rates.models import Rate
from tests.api_clients import Api
from tokens.models import IdToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
T2 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def start(asset: Asset, *, connector: int = 1, tag: str = "GOOD", at: datetime = T0):
    return session_start_v16(
        asset_id=asset.pk, connector_id=connector, id_tag=tag, meter_start=1000, timestamp=at
    )


@pytest.fixture
def north(make_station) -> Asset:
    rate = Rate.objects.create(
        name="North", currency="EUR", price_per_kwh=Decimal("0.30"), flat_fee=Decimal("1")
    )
    return make_station("CP-N", network_name="north", rate=rate)


@pytest.fixture
def south(make_station) -> Asset:
    return make_station("CP-S", network_name="south")


@pytest.fixture
def completed(north: Asset) -> ChargingSession:
    IdToken.objects.create(id_token="GOOD")
    session = start(north)
    session_stop_v16(
        asset_id=north.pk, transaction_id=int(session.transaction_id), meter_stop=8500,
        timestamp=T1, reason="EVDisconnected",
    )  # fmt: skip
    return ChargingSession.objects.get(pk=session.pk)


def items(api: Api, query: str = "") -> list[dict]:
    response = api.get(f"/sessions{query}")
    assert response.status_code == 200, response.text
    return response.json()["data"]["items"]


def test_a_session_reads_with_numbers_rate_and_cost(client_with, completed) -> None:
    answer = client_with("read:session").get(f"/sessions/{completed.pk}")
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data == {
        "id": str(completed.pk),
        "ocppTransactionId": completed.transaction_id,
        "asset": {"id": str(completed.asset_id), "ocppIdentity": "CP-N"},
        "evseId": 1,
        "connectorId": 1,
        "idToken": "GOOD",
        "status": "completed",
        "startedAt": "2025-03-01T10:00:00Z",
        "stoppedAt": "2025-03-01T10:30:00Z",
        "durationSeconds": 1800,
        "meterStartWh": 1000,
        "meterStopWh": 8500,
        "energyWh": 7500,
        "meterAnomaly": False,
        "stopReason": "EVDisconnected",
        "rate": {
            "id": str(completed.rate_id),
            "name": "North",
            "currency": "EUR",
            "pricePerKwh": 0.3,
            "pricePerHour": None,
            "flatFee": 1,
            "idleFeePerMinute": None,
        },
        "cost": {"amount": 3.25, "currency": "EUR"},
        "updatedAt": data["updatedAt"],
    }


def test_an_active_session_lasts_until_now_and_has_no_stop(client_with, south) -> None:
    session = start(south, at=datetime.now(UTC).replace(microsecond=0))
    data = client_with("read:session").get(f"/sessions/{session.pk}").json()["data"]
    assert data["status"] == "active" and data["stoppedAt"] is None
    assert data["meterStopWh"] is None and data["energyWh"] == 0
    assert 0 <= data["durationSeconds"] < 60
    assert data["rate"] is None and data["cost"] is None


def test_the_list_filters_by_asset_status_token_and_start_time(
    client_with, completed, north, south
) -> None:
    active_south = start(south, tag="OTHER", at=T2)
    api = client_with("read:session")
    token = IdToken.objects.get(id_token="GOOD")
    ids = lambda query: [item["id"] for item in items(api, query)]  # noqa: E731
    assert ids("") == [str(completed.pk), str(active_south.pk)]
    assert ids("?assetId=CP-S") == ids(f"?assetId={south.pk}") == [str(active_south.pk)]
    assert ids("?status=completed") == [str(completed.pk)]
    assert ids("?status=active&assetId=CP-N") == []
    assert ids("?idToken=OTHER") == [str(active_south.pk)]
    assert ids(f"?tokenId={token.pk}") == [str(completed.pk)]
    assert ids("?startedAfter=2025-03-02T00:00:00Z") == [str(active_south.pk)]
    assert ids("?startedBefore=2025-03-02T00:00:00Z") == [str(completed.pk)]


def test_bad_filters_are_400_naming_the_field(client_with, completed) -> None:
    api = client_with("read:session")
    for query, field in (("status=done", "status"), ("startedAfter=yesterday", "startedAfter")):
        answer = api.get(f"/sessions?{query}")
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and error["message"].startswith(field)


def test_the_list_pages_with_a_cursor(client_with, north) -> None:
    sessions = [start(north, connector=n, tag=f"T{n}") for n in (1, 2, 3)]
    api = client_with("read:session")
    first = api.get("/sessions?limit=2").json()["data"]
    assert first["hasMore"] is True
    assert [i["id"] for i in first["items"]] == [str(s.pk) for s in sessions[:2]]
    rest = api.get(f"/sessions?limit=2&startingAfter={sessions[1].pk}").json()["data"]
    assert rest == {"hasMore": False, "items": rest["items"]}
    assert [i["id"] for i in rest["items"]] == [str(sessions[2].pk)]
    assert api.get("/sessions?limit=101").json()["error"]["code"] == "invalid_limit"


def test_a_client_of_one_network_sees_only_its_sessions(client_with, completed, south) -> None:
    other = start(south, tag="OTHER")
    south_only = client_with("read:session", networks=["south"])
    assert [i["id"] for i in items(south_only)] == [str(other.pk)]
    hidden = south_only.get(f"/sessions/{completed.pk}")
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "session_not_found")
    by_asset = south_only.get("/sessions?assetId=CP-N")
    assert (by_asset.status_code, by_asset.json()["error"]["code"]) == (404, "asset_not_found")


def test_unknown_sessions_are_404(client_with, completed) -> None:
    api = client_with("read:session")
    for session_id in ("999999", "not-a-number"):
        answer = api.get(f"/sessions/{session_id}")
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "session_not_found")


@pytest.mark.parametrize("path", ["/sessions", "/sessions/1"])
def test_reading_sessions_needs_a_token_with_read_session(daphne_server, client_with, path) -> None:
    anonymous = Api(f"http://{daphne_server}", None).get(path)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthenticated")
    others = client_with("write:session abort:session read:token")
    denied = others.get(path)
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "insufficient_scope")
