"""Rule 3: a 1.6 start is a repeat only with the same connector, tag, time and meterStart while
not stopped, so a stuck clock never merges two transactions. Rule 5: energy counts only the
forward movement of the register, and a step backwards flags the session, in every version."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from tests.charging.messages import (
    id_token,
    meter_201,
    readings_16,
    send_all,
    start_16,
    stop_16,
    tx_event,
)
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

STUCK = "2025-03-01T00:00:00Z"  # every message of a station whose clock was never set
T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:10:00Z"
T2 = "2025-03-01T10:20:00Z"
T3 = "2025-03-01T10:30:00Z"
T4 = "2025-03-01T10:40:00Z"
V2X = ["ocpp2.0.1", "ocpp2.1"]


@pytest.fixture
def station(make_station) -> Asset:
    IdToken.objects.create(id_token="GOOD")
    return make_station("CP-1")


async def by_tx(tx_id: object) -> ChargingSession:
    return await ChargingSession.objects.aget(transaction_id=str(tx_id))


async def test_1_6_stuck_clock_keeps_two_transactions_apart(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    # The station's truth: two transactions of 4,000 Wh each, every timestamp the same.
    (first,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 0, STUCK))])
    await send_all(client, [("StopTransaction", stop_16(first["transactionId"], 4000, STUCK))])
    (second,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 4000, STUCK))])
    await send_all(client, [("StopTransaction", stop_16(second["transactionId"], 8000, STUCK))])
    await client.close()

    assert first["transactionId"] != second["transactionId"]
    assert second["idTagInfo"]["status"] == "Accepted"
    sessions = [await by_tx(started["transactionId"]) for started in (first, second)]
    assert [(s.status, s.station_stopped) for s in sessions] == [("completed", True)] * 2
    assert [(s.meter_start_wh, s.meter_stop_wh, s.energy_wh) for s in sessions] == [
        (0, 4000, 4000),
        (4000, 8000, 4000),
    ]


async def test_1_6_a_start_like_a_stopped_one_is_a_new_transaction(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    start = start_16(1, "GOOD", 500, STUCK)  # a 0 Wh transaction, then another one
    (first,) = await send_all(client, [("StartTransaction", start)])
    await send_all(client, [("StopTransaction", stop_16(first["transactionId"], 500, STUCK))])
    (second,) = await send_all(client, [("StartTransaction", start)])
    await client.close()
    assert first["transactionId"] != second["transactionId"]
    assert (await by_tx(second["transactionId"])).status == SessionStatus.ACTIVE


async def test_1_6_a_start_sent_twice_gets_the_same_transaction_id(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    start = start_16(1, "GOOD", 1200, STUCK)
    first, again = await send_all(client, [("StartTransaction", start)] * 2)
    other = await send_all(client, [("StartTransaction", {**start, "meterStart": 1300})])
    await client.close()
    assert first == again  # the same transactionId and the same answer
    assert other[0]["transactionId"] != first["transactionId"]
    assert await ChargingSession.objects.acount() == 2


async def test_1_6_a_repeated_start_is_answered_as_the_start_it_repeats(
    station: Asset, make_station
) -> None:
    # The station's truth: its start was refused ConcurrentTx (the card charges at CP-2), the
    # answer was lost and it sends the same StartTransaction again after CP-2 has stopped.
    await sync_to_async(make_station)("CP-2")
    elsewhere = FakeStation("CP-2", "ocpp1.6")
    await elsewhere.connect()
    (other,) = await send_all(elsewhere, [("StartTransaction", start_16(1, "GOOD", 0, T0))])
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    start = start_16(1, "GOOD", 700, T1)
    (first,) = await send_all(client, [("StartTransaction", start)])
    await send_all(elsewhere, [("StopTransaction", stop_16(other["transactionId"], 900, T2))])
    (again,) = await send_all(client, [("StartTransaction", start)])
    await client.close()
    await elsewhere.close()

    assert first["idTagInfo"]["status"] == "ConcurrentTx"
    assert again == first  # the same transactionId, the same refusal
    assert (await by_tx(first["transactionId"])).status == SessionStatus.REFUSED


async def test_1_6_meter_going_backwards_gives_no_energy_and_flags_the_session(
    station: Asset,
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 5000, T0))])
    await send_all(client, [("StopTransaction", stop_16(started["transactionId"], 4000, T1))])
    await client.close()
    session = await by_tx(started["transactionId"])
    assert (session.meter_start_wh, session.meter_stop_wh) == (5000, 4000)
    assert (session.energy_wh, session.meter_anomaly) == (0, True)


async def test_1_6_meter_reset_mid_transaction_counts_before_and_after(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 5000, T0))])
    tx_id = started["transactionId"]
    readings = [readings_16(tx_id, at, wh) for at, wh in ((T1, 5600), (T2, 0), (T3, 300))]
    await send_all(client, [("MeterValues", reading) for reading in readings])
    await send_all(client, [("StopTransaction", stop_16(tx_id, 300, T4))])
    await client.close()
    session = await by_tx(tx_id)
    assert (session.energy_wh, session.meter_anomaly) == (900, True)
    assert (session.meter_start_wh, session.meter_stop_wh) == (5000, 300)


async def test_1_6_readings_replayed_out_of_order_count_in_time_order(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 1000, T0))])
    tx_id = started["transactionId"]
    # Time order: 1000, 3000, 6000, stop 7000: no step backwards, 6000 Wh.
    readings = [readings_16(tx_id, T2, 6000), readings_16(tx_id, T1, 3000)]
    await send_all(client, [("MeterValues", reading) for reading in readings])
    await send_all(client, [("StopTransaction", stop_16(tx_id, 7000, T3))])
    await client.close()
    session = await by_tx(tx_id)
    assert (session.energy_wh, session.meter_anomaly) == (6000, False)


def events_with_readings(readings: list[tuple[str, float]]) -> list[dict]:
    """Started, Updated..., Ended of TX-M, one energy reading each (time, kWh)."""
    last = len(readings) - 1
    events = []
    for seq_no, (at, kwh) in enumerate(readings):
        kind = "Started" if seq_no == 0 else "Ended" if seq_no == last else "Updated"
        extra = {"idToken": id_token("GOOD"), "evse": {"id": 1}} if seq_no == 0 else {}
        events.append(tx_event(kind, seq_no, at, "TX-M", meterValue=meter_201(at, kwh), **extra))
    return events


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_meter_going_backwards_gives_no_energy_and_flags_the_session(
    station: Asset, protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    events = events_with_readings([(T0, 5.0), (T1, 4.0)])
    await send_all(client, [("TransactionEvent", event) for event in events])
    await client.close()
    session = await by_tx("TX-M")
    assert (session.meter_start_wh, session.meter_stop_wh) == (5000, 4000)
    assert (session.energy_wh, session.meter_anomaly) == (0, True)


@pytest.mark.parametrize("protocol", V2X)
@pytest.mark.parametrize("replayed", [False, True])
async def test_2x_meter_reset_mid_transaction_counts_before_and_after(
    station: Asset, protocol: str, replayed: bool
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    events = events_with_readings([(T0, 5.0), (T1, 5.6), (T2, 0.0), (T3, 0.3), (T4, 0.3)])
    if replayed:  # an offline queue delivered in another order
        events = [events[3], events[0], events[4], events[2], events[1]]
    await send_all(client, [("TransactionEvent", event) for event in events])
    await client.close()
    session = await by_tx("TX-M")
    assert (session.energy_wh, session.meter_anomaly) == (900, True)
    assert (session.meter_start_wh, session.meter_stop_wh) == (5000, 300)
    assert session.status == SessionStatus.COMPLETED


async def test_the_api_shows_the_meter_anomaly(client_with, station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 5000, T0))])
    await send_all(client, [("StopTransaction", stop_16(started["transactionId"], 4000, T1))])
    await client.close()
    session = await by_tx(started["transactionId"])
    api = await sync_to_async(client_with)("read:session")
    answer = await asyncio.to_thread(api.get, f"/sessions/{session.pk}")
    data = answer.json()["data"]
    assert (data["energyWh"], data["meterAnomaly"]) == (0, True)
