"""Sessions built from real transaction messages, including the messy sequences stations send."""

from decimal import Decimal

import pytest

from assets.models import Asset, Connector
from charging.models import ChargingSession, MeterSample, SessionStatus
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken, TokenStatus

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"


@pytest.fixture
def station(make_station) -> Asset:
    IdToken.objects.create(id_token="GOOD", group_id="FLEET-7")
    IdToken.objects.create(id_token="BLOCKED", status=TokenStatus.BLOCKED)
    return make_station("CP-1")


def meter_16(at: str, wh: int) -> list[dict]:
    return [{"timestamp": at, "sampledValue": [{"value": str(wh), "unit": "Wh"}]}]


def meter_201(at: str, kwh: float, context: str = "Sample.Periodic") -> list[dict]:
    return [
        {
            "timestamp": at,
            "sampledValue": [
                {
                    "value": kwh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "kWh"},
                }
            ],
        }
    ]


def tx_event(event_type: str, seq_no: int, at: str, **extra: object) -> dict:
    event = {
        "eventType": event_type,
        "timestamp": at,
        "triggerReason": "Authorized" if event_type == "Started" else "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-1"},
    }
    event.update(extra)
    return event


async def test_1_6_start_meter_stop_builds_a_completed_session(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": T0}
    await client.call("StatusNotification", status)
    start = await client.call(
        "StartTransaction", {"connectorId": 1, "idTag": "GOOD", "meterStart": 1000, "timestamp": T0}
    )
    assert start[2]["idTagInfo"] == {"status": "Accepted", "parentIdTag": "FLEET-7"}
    tx_id = start[2]["transactionId"]
    await client.call(
        "MeterValues", {"connectorId": 1, "transactionId": tx_id, "meterValue": meter_16(T1, 4000)}
    )
    stop = {"transactionId": tx_id, "meterStop": 8500, "timestamp": T2, "reason": "EVDisconnected"}
    assert (await client.call("StopTransaction", stop))[0] == 3
    # A station that lost our answer sends the same StopTransaction again.
    assert (await client.call("StopTransaction", {**stop, "meterStop": 9999}))[0] == 3
    await client.close()

    session = await ChargingSession.objects.aget()
    assert session.transaction_id == str(tx_id) and session.status == SessionStatus.COMPLETED
    assert (session.meter_start_wh, session.meter_stop_wh) == (1000, 8500)
    assert session.energy_wh == Decimal(7500) and session.stop_reason == "EVDisconnected"
    assert session.id_token == "GOOD" and session.evse_id == 1
    assert session.token_id == (await IdToken.objects.aget(id_token="GOOD")).pk
    assert await MeterSample.objects.filter(session=session).acount() == 1
    connector = await Connector.objects.aget(asset=station)
    assert (connector.evse_id, connector.connector_id, connector.status) == (1, 1, "Charging")


async def test_1_6_repeated_start_transaction_gets_the_same_transaction_id(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    start = {"connectorId": 2, "idTag": "GOOD", "meterStart": 0, "timestamp": T0}
    first = await client.call("StartTransaction", start)
    again = await client.call("StartTransaction", start)
    await client.close()
    assert first[2]["transactionId"] == again[2]["transactionId"]
    assert await ChargingSession.objects.acount() == 1


async def test_1_6_authorize_answers_per_token_state(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    statuses = [
        (await client.call("Authorize", {"idTag": tag}))[2]["idTagInfo"]["status"]
        for tag in ("GOOD", "BLOCKED", "STRANGER")
    ]
    await client.close()
    assert statuses == ["Accepted", "Blocked", "Invalid"]


async def test_1_6_stop_of_an_unknown_transaction_is_answered_and_changes_nothing(
    station: Asset,
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    stop = {"transactionId": 424242, "meterStop": 10, "timestamp": T2}
    assert (await client.call("StopTransaction", stop))[2] == {}
    await client.close()
    assert await ChargingSession.objects.acount() == 0


async def test_2_0_1_transaction_events_build_a_session(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    started = tx_event(
        "Started",
        0,
        T0,
        idToken={"idToken": "GOOD", "type": "ISO14443"},
        evse={"id": 1, "connectorId": 1},
        meterValue=meter_201(T0, 10.0, "Transaction.Begin"),
    )
    reply = await client.call("TransactionEvent", started)
    assert reply[2]["idTokenInfo"]["status"] == "Accepted"
    await client.call(
        "TransactionEvent", tx_event("Updated", 1, T1, meterValue=meter_201(T1, 15.5))
    )
    ended = tx_event(
        "Ended",
        2,
        T2,
        transactionInfo={"transactionId": "TX-1", "stoppedReason": "EVDisconnected"},
        meterValue=meter_201(T2, 22.25, "Transaction.End"),
    )
    await client.call("TransactionEvent", ended)
    await client.close()

    session = await ChargingSession.objects.aget()
    assert session.status == SessionStatus.COMPLETED and session.stop_reason == "EVDisconnected"
    assert (session.meter_start_wh, session.meter_stop_wh) == (10000, 22250)
    assert session.energy_wh == Decimal(12250)
    assert (session.evse_id, session.connector_id, session.id_token) == (1, 1, "GOOD")
    assert await MeterSample.objects.filter(session=session).acount() == 3


async def test_2_0_1_duplicate_and_out_of_order_events_are_applied_once(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    updated = tx_event("Updated", 1, T1, evse={"id": 2}, meterValue=meter_201(T1, 5.0))
    ended = tx_event(
        "Ended", 2, T2, meterValue=meter_201(T2, 9.0), transactionInfo={"transactionId": "TX-1"}
    )
    started = tx_event("Started", 0, T0, meterValue=meter_201(T0, 1.0))
    # Offline queue replayed out of order, with a retry of the Updated event.
    for event in (updated, ended, updated, started):
        assert (await client.call("TransactionEvent", {**event, "offline": True}))[0] == 3
    await client.close()

    session = await ChargingSession.objects.aget()
    assert session.status == SessionStatus.COMPLETED
    assert session.started_at.isoformat().startswith("2025-03-01T10:00")
    assert session.energy_wh == Decimal(8000)
    assert session.seen_seq_nos == [0, 1, 2] and session.evse_id == 2
    assert await MeterSample.objects.filter(session=session).acount() == 3


async def test_2_0_1_authorize_knows_unknown_tokens(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    reply = await client.call("Authorize", {"idToken": {"idToken": "NOPE", "type": "ISO14443"}})
    await client.close()
    assert reply[2]["idTokenInfo"]["status"] == "Unknown"


async def test_1_6_a_late_older_meter_value_does_not_lower_the_energy(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    start = {"connectorId": 1, "idTag": "GOOD", "meterStart": 1000, "timestamp": T0}
    tx_id = (await client.call("StartTransaction", start))[2]["transactionId"]
    for at, wh in ((T2, 6000), (T1, 3000)):  # the queued older reading arrives last
        meter = {"connectorId": 1, "transactionId": tx_id, "meterValue": meter_16(at, wh)}
        assert (await client.call("MeterValues", meter))[0] == 3
    await client.close()
    session = await ChargingSession.objects.aget()
    assert session.status == SessionStatus.ACTIVE and session.energy_wh == Decimal(5000)
    assert session.last_seen_at.isoformat().startswith("2025-03-01T10:30")


async def test_2_0_1_a_second_ended_with_another_seq_no_changes_nothing(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    started = tx_event("Started", 0, T0, evse={"id": 1}, meterValue=meter_201(T0, 1.0))
    ended = tx_event(
        "Ended",
        1,
        T1,
        transactionInfo={"transactionId": "TX-1", "stoppedReason": "Local"},
        meterValue=meter_201(T1, 4.0),
    )
    again = {**ended, "seqNo": 2, "timestamp": T2}
    again["transactionInfo"] = {"transactionId": "TX-1", "stoppedReason": "Other"}
    for event in (started, ended, again):
        assert (await client.call("TransactionEvent", event))[0] == 3
    await client.close()
    session = await ChargingSession.objects.aget()
    assert (session.status, session.stop_reason) == (SessionStatus.COMPLETED, "Local")
    assert session.stopped_at.isoformat().startswith("2025-03-01T10:15")
    assert session.energy_wh == Decimal(3000)
