"""Rate and cost of sessions built from real messages, including offline-queued ones."""

from decimal import Decimal

import pytest

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from rates.models import Rate
from tests.charging.messages import meter_16, meter_201, send_all, tx_event
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"
T3 = "2025-03-01T10:40:00Z"
T4 = "2025-03-01T10:50:00Z"
T5 = "2025-03-01T11:00:00Z"


@pytest.fixture
def rate() -> Rate:
    return Rate.objects.create(
        name="Standard",
        currency="EUR",
        price_per_kwh=Decimal("0.30"),
        price_per_hour=Decimal("2.00"),
        flat_fee=Decimal("1.00"),
    )


@pytest.fixture
def station(make_station, rate: Rate) -> Asset:
    IdToken.objects.create(id_token="ANY")  # a start with an unknown tag is refused
    return make_station("CP-C", rate=rate)


async def test_1_6_offline_queue_keeps_the_station_times_and_costs_the_session(
    station: Asset, rate: Rate
) -> None:
    client = FakeStation("CP-C", "ocpp1.6")
    await client.connect()
    # Sent after reconnecting: every timestamp is in the past.
    start = {"connectorId": 1, "idTag": "ANY", "meterStart": 500, "timestamp": T0}
    (started,) = await send_all(client, [("StartTransaction", start)])
    tx_id = started["transactionId"]
    session = await ChargingSession.objects.aget(transaction_id=str(tx_id))
    assert session.cost_amount == Decimal("1.00")  # the flat fee from the start

    meter = {"connectorId": 1, "transactionId": tx_id, "meterValue": meter_16(T1, 3500)}
    await send_all(client, [("MeterValues", meter)])
    session = await ChargingSession.objects.aget(pk=session.pk)
    # 3 kWh * 0.30 + 0.25 h * 2.00 + 1.00, up to the latest reading.
    assert session.cost_amount == Decimal("2.40")

    # The operator raises the price meanwhile: the session keeps the price it started with.
    rate.price_per_kwh = Decimal("9.99")
    await rate.asave()
    stop = {"transactionId": tx_id, "meterStop": 8000, "timestamp": T2, "reason": "Local"}
    await send_all(client, [("StopTransaction", stop)])
    await client.close()

    session = await ChargingSession.objects.aget(pk=session.pk)
    assert session.status == SessionStatus.COMPLETED
    assert session.started_at.isoformat().startswith("2025-03-01T10:00")
    assert session.stopped_at.isoformat().startswith("2025-03-01T10:30")
    assert (session.price_per_kwh, session.currency, session.rate_id) == (
        Decimal("0.30"),
        "EUR",
        rate.pk,
    )
    # 7.5 kWh * 0.30 + 0.5 h * 2.00 + 1.00
    assert session.cost_amount == Decimal("4.25")


@pytest.fixture
def free_station(make_station) -> Asset:
    return make_station("CP-FREE")


async def test_a_session_without_a_rate_has_no_cost(free_station: Asset) -> None:
    client = FakeStation("CP-FREE", "ocpp1.6")
    await client.connect()
    start = {"connectorId": 1, "idTag": "ANY", "meterStart": 0, "timestamp": T0}
    await send_all(client, [("StartTransaction", start)])
    await client.close()
    session = await ChargingSession.objects.aget()
    assert session.cost_amount is None and session.rate_id is None and not session.has_rate


def idle_fee_events() -> list[dict]:
    evse = {"id": 1, "connectorId": 1}
    return [
        tx_event("Started", 0, T0, evse=evse, state="Charging", meterValue=meter_201(T0, 10.0)),
        tx_event("Updated", 1, T3, state="SuspendedEV", meterValue=meter_201(T3, 20.0)),
        tx_event("Updated", 2, T4, state="EVConnected"),
        tx_event("Ended", 3, T5, reason="EVDisconnected", meterValue=meter_201(T5, 20.0)),
    ]


@pytest.fixture
def idle_rate_station(make_station) -> Asset:
    rate = Rate.objects.create(
        name="Idle", currency="USD", price_per_kwh=Decimal("0.25"),
        price_per_hour=Decimal("3.00"), idle_fee_per_minute=Decimal("0.10"),
    )  # fmt: skip
    return make_station("CP-I", rate=rate)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 1, 0, 2]], ids=["in order", "replayed"])
async def test_2_0_1_idle_after_charging_is_billed_per_minute(
    idle_rate_station: Asset, order: list[int]
) -> None:
    events = idle_fee_events()
    client = FakeStation("CP-I", "ocpp2.0.1")
    await client.connect()
    await send_all(client, [("TransactionEvent", {**events[i], "offline": True}) for i in order])
    await client.close()
    session = await ChargingSession.objects.aget()
    assert session.status == SessionStatus.COMPLETED and session.charging_state == "EVConnected"
    # 10 kWh * 0.25 = 2.50; charging 40 min * 3.00/h = 2.00; idle 20 min * 0.10 = 2.00.
    assert session.cost_amount == Decimal("6.50")


async def test_2_0_1_idle_is_not_billed_while_an_event_is_missing(
    idle_rate_station: Asset,
) -> None:
    events = idle_fee_events()
    client = FakeStation("CP-I", "ocpp2.0.1")
    await client.connect()
    await send_all(client, [("TransactionEvent", events[i]) for i in (0, 2, 3)])
    session = await ChargingSession.objects.aget()
    # Without seqNo 1 the SuspendedEV change may be missing: the whole hour is charging time.
    assert session.cost_amount == Decimal("5.50")
    await send_all(client, [("TransactionEvent", events[1])])
    await client.close()
    session = await ChargingSession.objects.aget()
    assert session.cost_amount == Decimal("6.50")
