"""The cost told to stations on real WebSockets, through real daphne and Celery processes on
PostgreSQL + Redis: each process reads the default pace (SESSION_COST_UPDATE_SECONDS, 60 s),
so the test moves the session's last telling an hour back where a running cost should be due."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from charging.models import ChargingSession
from ocpp_bridge.models import CallState, OcppCall
from rates.models import Rate
from tests.charging.messages import meter_16, meter_201, tx_event
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.waiting import wait_for
from tokens.models import IdToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

T0, T1, T2 = "2025-03-01T10:00:00Z", "2025-03-01T10:15:00Z", "2025-03-01T10:30:00Z"
SUPPORT = {"key": "CustomDisplayCostAndPrice", "readonly": True, "value": "true"}


def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A station that shows costs: it says so, takes the cost messages."""
    if action == "GetConfiguration":
        return {"configurationKey": [SUPPORT]}
    return {} if action == "CostUpdated" else {"status": "Accepted"}


@pytest.fixture(autouse=True)
def card() -> IdToken:
    """The driver's card: known and Accepted, so the sessions run (a refused one is not told)."""
    return IdToken.objects.create(id_token="ANY")


@pytest.fixture
def rate() -> Rate:
    return Rate.objects.create(
        name="Standard", currency="EUR", price_per_kwh=Decimal("0.30"),
        price_per_hour=Decimal("2.00"), flat_fee=Decimal("1.00"),
    )  # fmt: skip


@pytest.fixture
def daphne(request: pytest.FixtureRequest) -> str:
    """A daphne of the cluster: its worker delivers the calls queued by the station's messages."""
    return request.getfixturevalue("cluster").daphne_a


@sync_to_async
def running_cost_due_now() -> None:
    """As if the interval had passed since the station was last told."""
    ChargingSession.objects.update(cost_told_at=timezone.now() - timedelta(hours=1))


async def event(station: RawStation, payload: dict[str, Any]) -> dict[str, Any]:
    reply = await station.call("TransactionEvent", payload)
    assert reply[0] == 3, reply
    return reply[2]


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_2_x_station_is_told_the_running_and_final_cost(
    daphne: str,
    make_station,
    rate: Rate,
    protocol: str,
) -> None:
    await sync_to_async(make_station)("CP-COST", rate=rate)
    async with RawStation(daphne, "CP-COST", protocol, policy=answer) as station:
        evse = {"id": 1, "connectorId": 1}
        await event(station, tx_event("Started", 0, T0, evse=evse, meterValue=meter_201(T0, 10)))
        await running_cost_due_now()
        updated = await event(station, tx_event("Updated", 1, T1, meterValue=meter_201(T1, 13)))
        ended = await event(
            station, tx_event("Ended", 2, T2, reason="Local", meterValue=meter_201(T2, 17.5))
        )
        told = await station.wait_for_calls(1 if protocol == "ocpp2.0.1" else 0)
    # 3 kWh * 0.30 + 0.25 h * 2.00 + 1.00; then 7.5 kWh * 0.30 + 0.5 h * 2.00 + 1.00.
    if protocol == "ocpp2.0.1":
        assert updated == {}
        assert [(c.action, c.payload) for c in told] == [
            ("CostUpdated", {"totalCost": 2.4, "transactionId": "TX-1"})
        ]
    else:
        assert updated == {"totalCost": 2.4} and told == []
    assert ended == {"totalCost": 4.25}


async def test_1_6_station_showing_costs_gets_running_and_final_cost(
    daphne: str,
    make_station,
    rate: Rate,
) -> None:
    await sync_to_async(make_station)("CP-COST16", rate=rate)
    async with RawStation(daphne, "CP-COST16", "ocpp1.6", policy=answer) as station:
        start = {"connectorId": 1, "idTag": "ANY", "meterStart": 10000, "timestamp": T0}
        tx_id = (await station.call("StartTransaction", start))[2]["transactionId"]
        reading = {"connectorId": 1, "transactionId": tx_id, "meterValue": meter_16(T1, 13000)}
        await running_cost_due_now()
        await station.call("MeterValues", reading)
        (asked,) = await station.wait_for_calls(1)
        assert await wait_for(answered("GetConfiguration"))
        await running_cost_due_now()
        await station.call("MeterValues", reading)
        stop = {"transactionId": tx_id, "meterStop": 17500, "timestamp": T2}
        await station.call("StopTransaction", stop)
        _, running, final = await station.wait_for_calls(3)
    assert (asked.action, asked.payload) == ("GetConfiguration", {"key": [SUPPORT["key"]]})
    assert (running.action, final.action) == ("DataTransfer", "DataTransfer")
    running_data, final_data = (
        json.loads(running.payload["data"]),
        json.loads(final.payload["data"]),
    )
    assert (running.payload["messageId"], final.payload["messageId"]) == (
        "RunningCost",
        "FinalCost",
    )
    assert (running_data["cost"], running_data["meterValue"]) == (2.4, 13000)
    assert (final_data["cost"], final_data["meterValue"]) == (4.25, 17500)
    assert running_data["transactionId"] == final_data["transactionId"] == tx_id


def answered(action: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return await OcppCall.objects.filter(action=action, state=CallState.ANSWERED).aexists()

    return check
