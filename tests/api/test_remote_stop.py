"""POST /ocpp/remoteStopTransaction over real HTTP: 2.x transaction ids are chosen by stations
and repeat across them, so an id that names sessions of several stations is refused (409,
nothing sent) and chargingStationId or sessionId picks the one meant."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from assets.models import Asset
from charging.models import ChargingSession
from ocpp_bridge.models import OcppCall
from tests.api.conftest import ALL_OCPP
from tests.api_clients import Api
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.e2e.test_command_path import wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

STOP = "/ocpp/remoteStopTransaction"


@pytest.fixture
def station_server(request: pytest.FixtureRequest, daphne_server: str) -> str:
    """Where a station connects so that calls queued by the API server reach it (as in
    tests/charging/test_session_abort.py)."""
    if settings.REDIS_URL:
        return request.getfixturevalue("cluster").daphne_a
    return daphne_server


@pytest.fixture
def shared_id(make_station) -> dict[str, ChargingSession]:
    """Transaction "1" at three stations of two networks: a 2.0.1 and a 2.1 one in north, a
    2.1 one in south."""
    sessions = {}
    for identity, protocol, network in [
        ("CP-201", "ocpp2.0.1", "north"),
        ("CP-21", "ocpp2.1", "north"),
        ("CP-SOUTH", "ocpp2.1", "south"),
    ]:
        asset = make_station(identity, protocol=protocol, network_name=network)
        sessions[identity] = ChargingSession.objects.create(asset=asset, transaction_id="1")
    return sessions


def stop(api: Api, body: dict) -> tuple[int, dict]:
    response = api.post(STOP, body)
    return response.status_code, response.json()


def test_an_id_known_at_several_stations_is_refused_and_nothing_is_sent(
    client_with, shared_id: dict[str, ChargingSession]
) -> None:
    status, body = stop(client_with(ALL_OCPP), {"ocppTransactionId": "1"})
    assert (status, body["error"]["code"]) == (409, "ambiguous_transaction")
    assert body["error"]["details"] == {"ocppTransactionId": "1", "stations": 3}
    assert OcppCall.objects.count() == 0


def test_only_the_stations_the_client_can_see_count(
    client_with, shared_id: dict[str, ChargingSession]
) -> None:
    status, body = stop(client_with(ALL_OCPP, networks=["north"]), {"ocppTransactionId": "1"})
    assert (status, body["error"]["details"]["stations"]) == (409, 2)
    south = client_with(ALL_OCPP, networks=["south"])
    # One station of the client's: the id is not ambiguous (its station is offline: 409).
    status, body = stop(south, {"ocppTransactionId": "1"})
    assert (status, body["error"]["code"]) == (409, "station_not_connected")
    status, body = stop(south, {"ocppTransactionId": "1", "chargingStationId": "CP-21"})
    assert (status, body["error"]["code"]) == (404, "asset_not_found")


def test_a_station_or_session_that_holds_no_such_transaction_is_404(
    client_with, shared_id: dict[str, ChargingSession]
) -> None:
    api = client_with(ALL_OCPP)
    other = str(shared_id["CP-21"].pk)
    for body in (
        {"ocppTransactionId": "2", "chargingStationId": "CP-21"},
        {"ocppTransactionId": "2", "sessionId": other},
        {"ocppTransactionId": "1", "chargingStationId": "NOPE"},
    ):
        assert stop(api, body)[0] == 404, body
    assert OcppCall.objects.count() == 0


@pytest.mark.parametrize("pick", ["identity", "asset id", "session id"])
async def test_the_station_picked_receives_the_stop(
    client_with, station_server: str, shared_id: dict[str, ChargingSession], pick: str
) -> None:
    session = shared_id["CP-21"]
    asset = await Asset.objects.aget(pk=session.asset_id)
    body = {"ocppTransactionId": "1"}
    if pick == "identity":
        body["chargingStationId"] = "CP-21"
    elif pick == "asset id":
        body["chargingStationId"] = str(asset.pk)
    else:
        body = {"sessionId": str(session.pk)}
    api = await sync_to_async(client_with)(ALL_OCPP)
    async with RawStation(station_server, "CP-21", "ocpp2.1") as station:
        status, answer = await asyncio.to_thread(stop, api, body)
        assert status == 200, answer
        await wait_until_final(answer["ocppMessageId"])
        received = await station.wait_for_calls(1)
    assert [(c.action, c.payload) for c in received] == [
        ("RequestStopTransaction", {"transactionId": "1"})
    ]
    assert await OcppCall.objects.acount() == 1


def test_the_openapi_schema_documents_both_ways_to_pick_and_the_409(client) -> None:
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["components"]["schemas"]["RemoteStopRequest"]["properties"]
    assert {"ocppTransactionId", "sessionId", "chargingStationId"} <= set(body)
    assert "asset id or OCPP identity" in body["chargingStationId"]["description"]
    assert "one session" in body["sessionId"]["description"]
    conflict = schema["paths"][STOP]["post"]["responses"]["409"]["description"]
    assert "ambiguous_transaction" in conflict
