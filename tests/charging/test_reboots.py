"""A station that reboots mid-transaction: the lost session is closed by the next one on its
connector / EVSE, and the station's late stop still fills it in without reopening it."""

from decimal import Decimal

import pytest

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from tests.charging.messages import (
    boot_201,
    meter_16,
    meter_201,
    send_all,
    tx_event,
)
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T1_LATE = "2025-03-01T10:17:00Z"
T2 = "2025-03-01T10:30:00Z"
T3 = "2025-03-01T10:45:00Z"


@pytest.fixture
def station(make_station) -> Asset:
    IdToken.objects.create(id_token="GOOD")
    IdToken.objects.create(id_token="OTHER")  # a start with an unknown tag is refused
    return make_station("CP-R")


async def session(transaction_id: str) -> ChargingSession:
    return await ChargingSession.objects.aget(transaction_id=transaction_id)


async def test_1_6_start_on_a_busy_connector_closes_the_lost_session(station: Asset) -> None:
    client = FakeStation("CP-R", "ocpp1.6")
    await client.connect()
    start = {"connectorId": 1, "idTag": "GOOD", "meterStart": 1000, "timestamp": T0}
    (old,) = await send_all(client, [("StartTransaction", start)])
    old_id = old["transactionId"]
    meter = {"connectorId": 1, "transactionId": old_id, "meterValue": meter_16(T1, 4000)}
    # No BootNotification here: a 1.6 boot closes the station's sessions itself (test_abandoned).
    await send_all(client, [("MeterValues", meter)])
    assert (await session(str(old_id))).status == SessionStatus.ACTIVE

    again = {"connectorId": 1, "idTag": "GOOD", "meterStart": 4200, "timestamp": T2}
    (new,) = await send_all(client, [("StartTransaction", again)])
    await client.close()

    # The driver's new session is not refused as concurrent with the one the station lost.
    assert new["idTagInfo"]["status"] == "Accepted"
    lost = await session(str(old_id))
    assert lost.status == SessionStatus.COMPLETED and lost.stop_reason == "Reboot"
    assert (lost.meter_stop_wh, lost.energy_wh) == (4000, 3000)
    assert lost.stopped_at.isoformat().startswith("2025-03-01T10:15")  # its last reading
    assert not lost.station_stopped
    assert (await session(str(new["transactionId"]))).status == SessionStatus.ACTIVE


async def test_1_6_late_stop_of_the_lost_session_fills_it_in_without_reopening(
    station: Asset,
) -> None:
    client = FakeStation("CP-R", "ocpp1.6")
    await client.connect()
    start = {"connectorId": 1, "idTag": "GOOD", "meterStart": 1000, "timestamp": T0}
    (old,) = await send_all(client, [("StartTransaction", start)])
    again = {"connectorId": 1, "idTag": "GOOD", "meterStart": 4200, "timestamp": T2}
    (new,) = await send_all(client, [("StartTransaction", again)])
    late_stop = {
        "transactionId": old["transactionId"],
        "meterStop": 4100,
        "timestamp": T1_LATE,
        "reason": "PowerLoss",
    }
    await send_all(client, [("StopTransaction", late_stop)])
    await send_all(client, [("StopTransaction", {**late_stop, "meterStop": 9999})])  # a retry
    await client.close()

    lost = await session(str(old["transactionId"]))
    assert lost.status == SessionStatus.COMPLETED and lost.station_stopped
    assert (lost.meter_stop_wh, lost.energy_wh) == (4100, 3100)
    assert lost.stop_reason == "PowerLoss"  # the station's word over our guess
    assert lost.stopped_at.isoformat().startswith("2025-03-01T10:17")
    assert (await session(str(new["transactionId"]))).status == SessionStatus.ACTIVE


async def test_1_6_sessions_on_other_connectors_stay_open(station: Asset) -> None:
    client = FakeStation("CP-R", "ocpp1.6")
    await client.connect()
    on_1 = {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": T0}
    on_2 = {"connectorId": 2, "idTag": "OTHER", "meterStart": 0, "timestamp": T1}
    await send_all(client, [("StartTransaction", on_1), ("StartTransaction", on_2)])
    await client.close()
    statuses = [s.status async for s in ChargingSession.objects.all()]
    assert statuses == [SessionStatus.ACTIVE, SessionStatus.ACTIVE]


async def test_2_0_1_started_on_a_busy_evse_closes_the_stale_transaction(station: Asset) -> None:
    client = FakeStation("CP-R", "ocpp2.0.1")
    await client.connect()
    evse = {"id": 1, "connectorId": 1}
    started_a = tx_event("Started", 0, T0, "TX-A", evse=evse, meterValue=meter_201(T0, 10.0))
    updated_a = tx_event("Updated", 1, T1, "TX-A", meterValue=meter_201(T1, 15.0))
    other_evse = tx_event("Started", 0, T0, "TX-OTHER", evse={"id": 2})
    await send_all(
        client,
        [
            ("TransactionEvent", started_a),
            ("TransactionEvent", updated_a),
            ("TransactionEvent", other_evse),
            ("BootNotification", boot_201("PowerUp")),
        ],
    )
    assert (await session("TX-A")).status == SessionStatus.ACTIVE  # a boot alone closes none

    started_b = tx_event("Started", 0, T2, "TX-B", evse=evse, meterValue=meter_201(T2, 15.2))
    await send_all(client, [("TransactionEvent", started_b)])
    stale = await session("TX-A")
    assert stale.status == SessionStatus.COMPLETED and stale.stop_reason == "Reboot"
    assert (stale.meter_stop_wh, stale.energy_wh) == (15000, 5000)
    assert stale.stopped_at.isoformat().startswith("2025-03-01T10:15")
    assert (await session("TX-B")).status == SessionStatus.ACTIVE
    assert (await session("TX-OTHER")).status == SessionStatus.ACTIVE  # another EVSE

    # The station's queued Ended for the lost transaction comes after all.
    ended_a = tx_event("Ended", 2, T1_LATE, "TX-A", reason="PowerLoss", offline=True,
                       meterValue=meter_201(T1_LATE, 15.1, "Transaction.End"))  # fmt: skip
    await send_all(client, [("TransactionEvent", ended_a)])
    await client.close()
    stale = await session("TX-A")
    assert stale.status == SessionStatus.COMPLETED and stale.stop_reason == "PowerLoss"
    assert (stale.meter_stop_wh, stale.energy_wh) == (15100, 5100)
    assert (await session("TX-B")).status == SessionStatus.ACTIVE


async def test_2_0_1_boot_then_replayed_queue_completes_the_session(station: Asset) -> None:
    client = FakeStation("CP-R", "ocpp2.0.1")
    await client.connect()
    started = tx_event("Started", 0, T0, evse={"id": 1}, meterValue=meter_201(T0, 1.0))
    await send_all(client, [("TransactionEvent", started), ("BootNotification", boot_201())])
    assert (await session("TX-1")).status == SessionStatus.ACTIVE
    # After the boot the station resends what it queued while it was down.
    queued = [
        tx_event("Updated", 1, T1, meterValue=meter_201(T1, 2.5), offline=True),
        tx_event("Ended", 2, T2, reason="PowerLoss", meterValue=meter_201(T2, 3.0), offline=True),
    ]
    await send_all(client, [("TransactionEvent", event) for event in queued])
    await client.close()
    done = await session("TX-1")
    assert done.status == SessionStatus.COMPLETED and done.stop_reason == "PowerLoss"
    assert done.energy_wh == Decimal(2000)
    assert done.stopped_at.isoformat().startswith("2025-03-01T10:30")
