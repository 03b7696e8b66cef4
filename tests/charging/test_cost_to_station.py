"""The cost a station is told for its session, per version, by a station that checks what it
receives: 2.x totalCost (and 2.0.1 CostUpdated), 1.6 California pricing DataTransfers."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from charging.models import ChargingSession
from csms.celery import app as celery_app
from ocpp_bridge.models import OcppCall
from rates.models import Rate
from tests.charging.cost_station import AnsweringStation
from tests.charging.messages import meter_16, meter_201, send_all, tx_event
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0, T1, T2 = "2025-03-01T10:00:00Z", "2025-03-01T10:15:00Z", "2025-03-01T10:30:00Z"
EVSE = {"id": 1, "connectorId": 1}
SUPPORT = {"key": "CustomDisplayCostAndPrice", "readonly": True, "value": "true"}
SHOWS_COST = {"GetConfiguration": {"configurationKey": [SUPPORT]}}
SHOWS_NO_COST = {"GetConfiguration": {"unknownKey": ["CustomDisplayCostAndPrice"]}}
ACCEPTED = {"DataTransfer": {"status": "Accepted"}}


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
def every_event(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pause between running costs: every due moment is a message of the test. The calls
    are delivered in this process, as in the embedded default, also on Redis: this station is
    in process, and the cluster's tests have their own (test_cost_to_station_over_sockets)."""
    settings.SESSION_COST_UPDATE_SECONDS = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def cost(rate: Rate, *, kwh: str, hours: str) -> float:
    """What the rate makes of the energy and time the station reported."""
    assert rate.price_per_kwh and rate.price_per_hour and rate.flat_fee
    amount = Decimal(kwh) * rate.price_per_kwh + Decimal(hours) * rate.price_per_hour
    return float((amount + rate.flat_fee).quantize(Decimal("0.01")))


def events_201() -> list[dict]:
    return [
        tx_event("Started", 0, T0, evse=EVSE, state="Charging", meterValue=meter_201(T0, 10.0)),
        tx_event("Updated", 1, T1, meterValue=meter_201(T1, 13.0)),
        tx_event("Ended", 2, T2, reason="Local", meterValue=meter_201(T2, 17.5)),
    ]


async def test_2_0_1_gets_running_cost_by_cost_updated_and_final_cost_on_ended(
    make_station, rate: Rate, every_event: None
) -> None:
    await sync_to_async(make_station)("CP-201", rate=rate)
    station = AnsweringStation("CP-201", "ocpp2.0.1")
    await station.connect()
    started, updated, ended = await send_all(
        station, [("TransactionEvent", e) for e in events_201()]
    )
    running = await station.next_told()
    await station.close()
    # 2.0.1 allows totalCost in the answer only once charging has ended.
    assert (started, updated) == ({}, {})
    assert running == ("CostUpdated", {"totalCost": cost(rate, kwh="3", hours="0.25"),
                                       "transactionId": "TX-1"})  # fmt: skip
    assert ended == {"totalCost": cost(rate, kwh="7.5", hours="0.5")}
    assert station.told == [running]


async def test_2_1_gets_running_and_final_cost_in_the_answers(
    make_station, rate: Rate, every_event: None
) -> None:
    await sync_to_async(make_station)("CP-21", rate=rate)
    station = AnsweringStation("CP-21", "ocpp2.1")
    await station.connect()
    started, updated, ended = await send_all(
        station, [("TransactionEvent", e) for e in events_201()]
    )
    await station.close()
    assert started == {}
    assert updated == {"totalCost": cost(rate, kwh="3", hours="0.25")}
    assert ended == {"totalCost": cost(rate, kwh="7.5", hours="0.5")}
    assert station.told == []


async def test_the_running_cost_waits_for_its_interval(make_station, rate: Rate, settings) -> None:
    settings.SESSION_COST_UPDATE_SECONDS = 3600
    await sync_to_async(make_station)("CP-21", rate=rate)
    station = AnsweringStation("CP-21", "ocpp2.1")
    await station.connect()
    started, updated, _ = events_201()
    later = tx_event("Updated", 3, T1, meterValue=meter_201(T1, 13.0))
    replies = await send_all(
        station, [("TransactionEvent", started), ("TransactionEvent", updated)]
    )
    assert replies == [{}, {}]  # the session is younger than the interval
    an_hour_ago = timezone.now() - timedelta(hours=1, seconds=1)
    await ChargingSession.objects.aupdate(cost_told_at=an_hour_ago)
    offline = {**tx_event("Updated", 4, T1), "offline": True}
    replies = await send_all(
        station, [("TransactionEvent", offline), ("TransactionEvent", later),
                  ("TransactionEvent", {**later, "seqNo": 5})]
    )  # fmt: skip
    await station.close()
    # An offline-queued event is old news; the live one is due; the next one is not, yet.
    assert replies == [{}, {"totalCost": cost(rate, kwh="3", hours="0.25")}, {}]


async def test_a_session_without_a_rate_has_no_total_cost(make_station, every_event: None) -> None:
    await sync_to_async(make_station)("CP-FREE")
    station = AnsweringStation("CP-FREE", "ocpp2.1")
    await station.connect()
    replies = await send_all(station, [("TransactionEvent", e) for e in events_201()])
    await station.close()
    assert replies == [{}, {}, {}] and station.told == []


def messages_16(tx_id: int | None = None) -> list[tuple[str, dict]]:
    return [
        ("MeterValues", {"connectorId": 1, "transactionId": tx_id,
                         "meterValue": meter_16("2025-03-01T10:05:00Z", 11000)}),
        ("MeterValues", {"connectorId": 1, "transactionId": tx_id,
                         "meterValue": meter_16(T1, 13000)}),
        ("StopTransaction", {"transactionId": tx_id, "meterStop": 17500, "timestamp": T2}),
    ]  # fmt: skip


async def run_16(identity: str, answers: dict) -> tuple[AnsweringStation, int]:
    station = AnsweringStation(identity, "ocpp1.6", answers)
    await station.connect()
    start = {"connectorId": 1, "idTag": "ANY", "meterStart": 10000, "timestamp": T0}
    (started,) = await send_all(station, [("StartTransaction", start)])
    tx_id = started["transactionId"]
    first, second, stop = messages_16(tx_id)
    await send_all(station, [first])
    # Never told whether it shows costs: the CSMS asks, and hears before the next reading.
    assert await station.next_told() == ("GetConfiguration", {"key": [SUPPORT["key"]]})
    await send_all(station, [second, stop, stop])
    return station, tx_id


def transfer_data(told: tuple[str, dict], message_id: str) -> dict:
    action, payload = told
    assert (action, payload["vendorId"], payload["messageId"]) == (
        "DataTransfer", "org.openchargealliance.costmsg", message_id
    )  # fmt: skip
    return json.loads(payload["data"])


async def test_1_6_showing_costs_gets_running_cost_and_one_final_cost(
    make_station, rate: Rate, every_event: None
) -> None:
    await sync_to_async(make_station)("CP-16", rate=rate)
    station, tx_id = await run_16("CP-16", {**SHOWS_COST, **ACCEPTED})
    running, final = [await station.next_told(), await station.next_told()]
    await station.close()
    assert transfer_data(running, "RunningCost") == {
        "transactionId": tx_id, "timestamp": T1, "meterValue": 13000,
        "cost": cost(rate, kwh="3", hours="0.25"), "state": "Charging",
        "chargingPrice": {"kWhPrice": 0.3, "hourPrice": 2.0, "flatFee": 1.0},
        "priceText": "2.40 EUR, 3.000 kWh",
    }  # fmt: skip
    assert transfer_data(final, "FinalCost") == {
        "transactionId": tx_id, "timestamp": T2, "meterValue": 17500,
        "cost": cost(rate, kwh="7.5", hours="0.5"), "priceText": "4.25 EUR, 7.500 kWh",
    }  # fmt: skip
    # The repeated StopTransaction is not told again.
    assert await OcppCall.objects.filter(action="DataTransfer").acount() == 2


async def test_1_6_not_showing_costs_gets_none(make_station, rate: Rate, every_event: None) -> None:
    await sync_to_async(make_station)("CP-16N", rate=rate)
    station, _ = await run_16("CP-16N", {**SHOWS_NO_COST, **ACCEPTED})
    await station.close()
    assert [action for action, _ in station.told] == ["GetConfiguration"]
    assert not await OcppCall.objects.filter(action="DataTransfer").aexists()
    # It said no: it is not asked again either.
    assert await OcppCall.objects.filter(action="GetConfiguration").acount() == 1
