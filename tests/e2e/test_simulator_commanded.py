"""The simulator answers real CSMS commands sent through the REST API of another process."""

import asyncio
import time

import pytest

from assets.models import Connector
from charging.models import ChargingSession
from rates.models import Rate
from station_simulator import StationConfig, create_station
from tests.api_clients import Api, api_for
from tests.conftest import STATION_PASSWORD
from tests.e2e.conftest import Cluster
from tokens.services import token_upsert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(cluster: Cluster, make_station) -> Api:
    rate = Rate.objects.create(name="Standard", price_per_kwh="0.42", currency="EUR")
    for identity in ("SIM-16", "SIM-201", "SIM-21"):
        make_station(identity, rate=rate)
    token_upsert(id_token="REMOTE-1")
    return api_for(cluster.daphne_b, "write:ocpp.raw_request write:ocpp")


async def simulated(cluster: Cluster, identity: str, protocol: str):
    config = StationConfig(
        identity=identity,
        password=STATION_PASSWORD,
        protocol=protocol,
        url=f"ws://{cluster.daphne_a}/ocpp",
        heartbeat_interval=30,
        transaction_duration=1,
        meter_value_interval=0.3,
    )
    station = create_station(config)
    runner = asyncio.create_task(station.run())
    await asyncio.wait_for(station.booted.wait(), 10)
    return station, runner


def raw(api: Api, identity: str, action: str, payload: dict) -> dict:
    body = {"action": action, "assetId": identity, "payload": payload, "async": False}
    response = api.post("/ocpp/v2/raw-request", body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["response"]


async def test_a_2_0_1_station_reports_its_variables(cluster: Cluster, api: Api) -> None:
    station, runner = await simulated(cluster, "SIM-201", "ocpp2.0.1")
    variable = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    get = {"getVariableData": [variable]}
    answer = await asyncio.to_thread(raw, api, "SIM-201", "GetVariables", get)
    inoperative = {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    availability = await asyncio.to_thread(raw, api, "SIM-201", "ChangeAvailability", inoperative)
    deadline = time.monotonic() + 10
    connector = Connector.objects.filter(asset__identity="SIM-201", evse_id=1)
    while (
        time.monotonic() < deadline and not await connector.filter(status="Unavailable").aexists()
    ):
        await asyncio.sleep(0.1)
    await station.stop()
    await runner
    result = answer["payload"]["getVariableResult"][0]
    assert result["attributeStatus"] == "Accepted" and result["attributeValue"]
    assert availability["payload"]["status"] == "Accepted"
    # The station reported the connector it took out of service.
    assert (await connector.aget()).status == "Unavailable"


async def test_a_1_6_station_takes_the_rate_and_a_remote_start(cluster: Cluster, api: Api) -> None:
    station, runner = await simulated(cluster, "SIM-16", "ocpp1.6")
    sync = await asyncio.to_thread(api.post, "/ocpp/v2/assets/SIM-16/rate-display/sync-rate")
    start = await asyncio.to_thread(
        api.post,
        "/ocpp/remoteStartTransaction",
        {"idTag": "REMOTE-1", "chargingStationId": "SIM-16", "connectorId": 1},
    )
    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and not await ChargingSession.objects.filter(
            asset__identity="SIM-16", status="completed"
        ).aexists()
    ):
        await asyncio.sleep(0.2)
    config = await asyncio.to_thread(
        raw, api, "SIM-16", "GetConfiguration", {"key": ["DefaultPrice"]}
    )
    await station.stop()
    await runner
    assert sync.status_code == 200, sync.text
    assert sync.json()["status"] == "Accepted" and sync.json()["data"]["rateId"]
    assert start.status_code == 200, start.text
    session = await ChargingSession.objects.aget(asset__identity="SIM-16")
    assert session.id_token == "REMOTE-1" and session.status == "completed"
    value = config["payload"]["configurationKey"][0]["value"]
    assert '"kWhPrice":0.42' in value


@pytest.mark.parametrize(
    ("identity", "protocol"), [("SIM-201", "ocpp2.0.1"), ("SIM-21", "ocpp2.1")]
)
async def test_2_x_stations_show_and_clear_the_rate(
    cluster: Cluster, api: Api, identity: str, protocol: str
) -> None:
    station, runner = await simulated(cluster, identity, protocol)
    sync = await asyncio.to_thread(api.post, f"/ocpp/v2/assets/{identity}/rate-display/sync-rate")
    disable = await asyncio.to_thread(api.post, f"/ocpp/v2/assets/{identity}/rate-display/disable")
    await station.stop()
    await runner
    assert sync.status_code == 200 and sync.json()["status"] == "Accepted", sync.text
    assert sync.json()["data"]["connection"]["protocol"] == protocol
    assert disable.status_code == 200 and disable.content == b"", disable.text
