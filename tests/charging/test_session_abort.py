"""POST /sessions/abort over real HTTP: the stop reaches a connected station, and the session
is closed as aborted whether or not the station is connected."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from charging.services import session_start_v16
from charging.transaction_events import TransactionEvent, transaction_event_record
from ocpp_bridge.models import OcppCall
from rates.models import Rate
from tests.api_clients import Api
from tests.charging.messages import meter_201, send_all, tx_event
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.e2e.test_command_path import wait_until_final
from tests.ocpp_bridge.stations import FakeStation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
ABORT = "abort:session"


@pytest.fixture
def station_server(request: pytest.FixtureRequest, daphne_server: str) -> str:
    """Where a station connects so that calls queued by the API server reach it: that server
    itself on the embedded default (tasks run in process); with Redis a worker must deliver,
    so a daphne of the cluster, which has one."""
    if settings.REDIS_URL:
        return request.getfixturevalue("cluster").daphne_a
    return daphne_server


def start_16(asset: Asset, connector: int = 1) -> ChargingSession:
    return session_start_v16(
        asset_id=asset.pk, connector_id=connector, id_tag="TAG", meter_start=1000, timestamp=T0
    )


def start_201(asset: Asset, transaction_id: str, evse_id: int) -> ChargingSession:
    event = TransactionEvent("Started", T0, 0, transaction_id, evse_id=evse_id, connector_id=1)
    return transaction_event_record(
        asset_id=asset.pk, event=event, meter_values=meter_201("2025-03-01T10:00:00Z", 5.0)
    ).session


@pytest.fixture
def offline_16(make_station) -> ChargingSession:
    rate = Rate.objects.create(name="R", currency="USD", price_per_kwh=Decimal("0.50"))
    asset = make_station("CP-OFF", network_name="north", rate=rate)
    return start_16(asset)


def abort(api: Api, station: str, connector: int) -> tuple[int, dict]:
    answer = api.post("/sessions/abort", {"chargingStationId": station, "connectorId": connector})
    return answer.status_code, answer.json()


def test_abort_of_an_offline_station_closes_the_session_without_a_stop(
    client_with, offline_16
) -> None:
    status, body = abort(client_with(ABORT), "CP-OFF", 1)
    assert status == 200, body
    assert body["stopRequest"] is None
    data = body["data"]
    assert data["id"] == str(offline_16.pk)
    assert (data["status"], data["stopReason"]) == ("aborted", "Aborted")
    assert data["stoppedAt"] is not None and data["meterStopWh"] == 1000
    assert not OcppCall.objects.exists()
    # Nothing is active there any more.
    assert abort(client_with(ABORT), "CP-OFF", 1)[1]["error"]["code"] == "session_not_found"


async def test_the_stations_late_stop_fills_in_an_aborted_session(client_with, offline_16) -> None:
    api = await sync_to_async(client_with)(ABORT)
    status, body = await asyncio.to_thread(abort, api, "CP-OFF", 1)
    assert status == 200, body
    aborted_at = (await ChargingSession.objects.aget(pk=offline_16.pk)).stopped_at
    client = FakeStation("CP-OFF", "ocpp1.6")
    await client.connect()
    stop = {"transactionId": int(offline_16.transaction_id), "meterStop": 9000,
            "timestamp": "2025-03-01T11:00:00Z", "reason": "Remote"}  # fmt: skip
    await send_all(client, [("StopTransaction", stop), ("StopTransaction", stop)])
    await client.close()
    session = await ChargingSession.objects.aget(pk=offline_16.pk)
    assert (session.status, session.stop_reason) == (SessionStatus.ABORTED, "Aborted")
    assert session.stopped_at == aborted_at
    assert (session.meter_stop_wh, session.energy_wh) == (9000, 8000)
    assert session.cost_amount == Decimal("4.00") and session.station_stopped


async def test_readings_after_an_abort_move_its_meter_stop_and_cost(
    client_with, offline_16
) -> None:
    api = await sync_to_async(client_with)(ABORT)
    status, body = await asyncio.to_thread(abort, api, "CP-OFF", 1)
    assert status == 200, body
    client = FakeStation("CP-OFF", "ocpp1.6")
    await client.connect()
    sample = {"value": "5000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    meter_value = {"timestamp": "2025-03-01T10:30:00Z", "sampledValue": [sample]}
    reading = {"connectorId": 1, "transactionId": int(offline_16.transaction_id),
               "meterValue": [meter_value]}  # fmt: skip
    await send_all(client, [("MeterValues", reading)])
    await client.close()
    session = await ChargingSession.objects.aget(pk=offline_16.pk)
    assert session.status == SessionStatus.ABORTED
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 5000, 4000)
    assert session.cost_amount == Decimal("2.00")
    assert session.last_seen_at == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)


async def test_a_2_0_1_ended_after_abort_keeps_it_aborted(client_with, make_station) -> None:
    asset = await sync_to_async(make_station)("CP-OFF2")
    await sync_to_async(start_201)(asset, "TX-5", 2)
    api = await sync_to_async(client_with)(ABORT)
    status, body = await asyncio.to_thread(abort, api, "CP-OFF2", 2)
    assert status == 200 and body["data"]["ocppTransactionId"] == "TX-5", body
    client = FakeStation("CP-OFF2", "ocpp2.0.1")
    await client.connect()
    ended = tx_event("Ended", 3, "2025-03-01T10:20:00Z", "TX-5", reason="Remote",
                     meterValue=meter_201("2025-03-01T10:20:00Z", 7.5))  # fmt: skip
    await send_all(client, [("TransactionEvent", ended)])
    await client.close()
    session = await ChargingSession.objects.aget(transaction_id="TX-5")
    assert (session.status, session.stop_reason) == (SessionStatus.ABORTED, "Aborted")
    assert (session.meter_stop_wh, session.energy_wh) == (7500, 2500)


@pytest.mark.parametrize(
    ("protocol", "action"),
    [("ocpp1.6", "RemoteStopTransaction"), ("ocpp2.0.1", "RequestStopTransaction")],
)
async def test_a_connected_station_is_told_to_stop(
    client_with, make_station, station_server: str, protocol: str, action: str
) -> None:
    asset = await sync_to_async(make_station)("CP-ON")
    if protocol == "ocpp1.6":
        session = await sync_to_async(start_16)(asset, 2)
        expected = {"transactionId": int(session.transaction_id)}
    else:
        session = await sync_to_async(start_201)(asset, "TX-9", 2)
        expected = {"transactionId": "TX-9"}
    api = await sync_to_async(client_with)(ABORT)
    async with RawStation(station_server, "CP-ON", protocol) as station:
        status, body = await asyncio.to_thread(abort, api, str(asset.pk), 2)
        assert status == 200, body
        call = await wait_until_final(body["stopRequest"]["ocppMessageId"])
        received = await station.wait_for_calls(1)
    assert [(c.action, c.payload) for c in received] == [(action, expected)]
    assert (body["stopRequest"]["action"], call.source) == (action, "abort")
    assert body["data"]["status"] == "aborted"
    assert (await ChargingSession.objects.aget(pk=session.pk)).status == SessionStatus.ABORTED


def test_abort_finds_only_an_active_session_on_that_connector(client_with, offline_16) -> None:
    status, body = abort(client_with(ABORT), "CP-OFF", 2)
    assert (status, body["error"]["code"]) == (404, "session_not_found")
    status, body = abort(client_with(ABORT), "CP-NOPE", 1)
    assert (status, body["error"]["code"]) == (404, "asset_not_found")


def test_abort_outside_the_clients_networks_is_not_found(client_with, offline_16) -> None:
    status, body = abort(client_with(ABORT, networks=["south"]), "CP-OFF", 1)
    assert (status, body["error"]["code"]) == (404, "asset_not_found")
    assert ChargingSession.objects.get().status == SessionStatus.ACTIVE
    assert abort(client_with(ABORT, networks=["north"]), "CP-OFF", 1)[0] == 200


def test_abort_validates_its_body(client_with, offline_16) -> None:
    answer = client_with(ABORT).post("/sessions/abort", {"chargingStationId": "CP-OFF"})
    error = answer.json()["error"]
    assert (answer.status_code, error["code"]) == (400, "invalid_request")
    assert error["message"].startswith("connectorId")


def test_abort_needs_the_abort_session_scope(daphne_server, client_with, offline_16) -> None:
    anonymous = Api(f"http://{daphne_server}", None)
    assert abort(anonymous, "CP-OFF", 1)[0] == 401
    status, body = abort(client_with("read:session write:session write:ocpp"), "CP-OFF", 1)
    assert (status, body["error"]["code"]) == (403, "insufficient_scope")
    assert ChargingSession.objects.get().status == SessionStatus.ACTIVE
