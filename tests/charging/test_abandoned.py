"""Rule 2: an active session the station abandons is closed when the station shows it is over
(its connector reports Available, a 1.6 station boots, or silence), at its last known reading;
a late stop still completes it with the station's numbers."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from assets.models import Asset
from charging.abandonment import sessions_close_silent
from charging.models import ChargingSession, SessionStatus
from charging.tasks import close_silent_sessions
from tests.charging.messages import (
    boot_16,
    id_token,
    meter_201,
    readings_16,
    send_all,
    start_16,
    status_2x,
    status_16,
    stop_16,
    tx_event,
)
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"
T3 = "2025-03-01T10:45:00Z"
V2X = ["ocpp2.0.1", "ocpp2.1"]


@pytest.fixture
def station(make_station) -> Asset:
    IdToken.objects.create(id_token="GOOD")
    make_station("CP-2")
    return make_station("CP-1")


async def tx(transaction_id: str) -> ChargingSession:
    return await ChargingSession.objects.aget(transaction_id=transaction_id)


async def start_on_cp2_answer(tag: str) -> str:
    other = FakeStation("CP-2", "ocpp1.6")
    await other.connect()
    (started,) = await send_all(other, [("StartTransaction", start_16(1, tag, 0, T3))])
    await other.close()
    return started["idTagInfo"]["status"]


async def test_1_6_abandoned_then_available_is_closed_and_a_late_stop_completes_it(
    station: Asset,
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 1000, T0))])
    tx_id = started["transactionId"]
    await send_all(client, [("MeterValues", readings_16(tx_id, T1, 3000))])
    await send_all(client, [("StatusNotification", status_16(1, "Available", T2))])
    closed = await tx(str(tx_id))
    assert (closed.status, closed.stop_reason) == (SessionStatus.COMPLETED, "ConnectorAvailable")
    assert (closed.meter_stop_wh, closed.energy_wh) == (3000, 2000)
    assert not closed.station_stopped and closed.stopped_at.isoformat().startswith(
        "2025-03-01T10:30"
    )
    assert await start_on_cp2_answer("GOOD") == "Accepted"  # the card is free again

    # The station's stop, queued while it was offline, comes after all.
    late = stop_16(tx_id, 3500, "2025-03-01T10:20:00Z", reason="EVDisconnected")
    await send_all(client, [("StopTransaction", late)])
    await client.close()
    done = await tx(str(tx_id))
    assert (done.status, done.stop_reason) == (SessionStatus.COMPLETED, "EVDisconnected")
    assert (done.meter_stop_wh, done.energy_wh) == (3500, 2500) and done.station_stopped
    assert done.stopped_at.isoformat().startswith("2025-03-01T10:20")


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_abandoned_then_available_is_closed_and_a_late_ended_completes_it(
    station: Asset, protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-A", idToken=id_token("GOOD"),
                       evse={"id": 1, "connectorId": 1}, meterValue=meter_201(T0, 1.0))  # fmt: skip
    updated = tx_event("Updated", 1, T1, "TX-A", meterValue=meter_201(T1, 4.0))
    await send_all(client, [("TransactionEvent", started), ("TransactionEvent", updated)])
    # Another connector of the EVSE becoming Available says nothing of this session.
    await send_all(client, [("StatusNotification", status_2x(1, "Available", T2, connector=2))])
    assert (await tx("TX-A")).status == SessionStatus.ACTIVE
    await send_all(client, [("StatusNotification", status_2x(1, "Available", T2))])
    closed = await tx("TX-A")
    assert (closed.status, closed.stop_reason) == (SessionStatus.COMPLETED, "ConnectorAvailable")
    assert (closed.meter_stop_wh, closed.energy_wh) == (4000, 3000)
    assert await start_on_cp2_answer("GOOD") == "Accepted"

    ended = tx_event("Ended", 2, "2025-03-01T10:20:00Z", "TX-A", reason="EVDisconnected",
                     meterValue=meter_201("2025-03-01T10:20:00Z", 4.5))  # fmt: skip
    await send_all(client, [("TransactionEvent", ended)])
    await client.close()
    done = await tx("TX-A")
    assert (done.status, done.stop_reason) == (SessionStatus.COMPLETED, "EVDisconnected")
    assert (done.meter_stop_wh, done.energy_wh) == (4500, 3500) and done.station_stopped


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_a_session_started_before_its_cable_outlives_a_resent_available(
    station: Asset, protocol: str
) -> None:
    """TxStartPoint Authorized: the transaction starts at the card, the connector stays
    Available until the cable comes, and a reconnecting station says so again."""
    client = FakeStation("CP-1", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-C", state="Idle", idToken=id_token("GOOD"),
                       evse={"id": 1, "connectorId": 1})  # fmt: skip
    await send_all(client, [("TransactionEvent", started)])
    await send_all(client, [("StatusNotification", status_2x(1, "Available", T1))])
    assert (await tx("TX-C")).status == SessionStatus.ACTIVE
    # The cable comes, the car charges; then it is unplugged and the station says only that.
    plugged = tx_event("Updated", 1, T2, "TX-C", state="Charging", meterValue=meter_201(T2, 1.0))
    await send_all(client, [("TransactionEvent", plugged)])
    await send_all(client, [("StatusNotification", status_2x(1, "Available", T3))])
    await client.close()
    closed = await tx("TX-C")
    assert (closed.status, closed.stop_reason) == (SessionStatus.COMPLETED, "ConnectorAvailable")


async def test_an_available_report_older_than_the_session_does_not_close_it(
    station: Asset,
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 0, T1))])
    # Queued while offline, delivered late: the connector was Available before the start.
    await send_all(client, [("StatusNotification", status_16(1, "Available", T0))])
    await client.close()
    assert (await tx(str(started["transactionId"]))).status == SessionStatus.ACTIVE


async def test_1_6_boot_closes_the_sessions_the_station_lost(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    starts = [("StartTransaction", start_16(1, "GOOD", 1000, T0)),
              ("StartTransaction", start_16(2, "OTHER", 0, T0))]  # fmt: skip
    await IdToken.objects.acreate(id_token="OTHER")
    first, second = await send_all(client, starts)
    await send_all(client, [("MeterValues", readings_16(first["transactionId"], T1, 2500))])
    await send_all(client, [("BootNotification", boot_16())])
    lost = [await tx(str(started["transactionId"])) for started in (first, second)]
    assert [(s.status, s.stop_reason) for s in lost] == [("completed", "StationRebooted")] * 2
    assert [(s.meter_stop_wh, s.energy_wh) for s in lost] == [(2500, 1500), (0, 0)]
    assert lost[0].stopped_at.isoformat().startswith("2025-03-01T10:15")  # its last reading

    late = stop_16(first["transactionId"], 2600, T2, reason="PowerLoss")
    await send_all(client, [("StopTransaction", late)])
    await client.close()
    done = await tx(str(first["transactionId"]))
    assert (done.status, done.stop_reason, done.energy_wh) == ("completed", "PowerLoss", 1600)


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_boot_keeps_the_sessions_the_station_will_resume(
    station: Asset, protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-K", idToken=id_token("GOOD"), evse={"id": 1})
    boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "Q"}}
    await send_all(client, [("TransactionEvent", started), ("BootNotification", boot)])
    await client.close()
    assert (await tx("TX-K")).status == SessionStatus.ACTIVE


def start_session(tag: str, at: str) -> ChargingSession:
    from charging.services import session_start_v16
    from ocpp_bridge.charger.handlers.common import parse_time

    asset = Asset.objects.get(identity="CP-1")
    return session_start_v16(
        asset_id=asset.pk, connector_id=1, id_tag=tag, meter_start=700, timestamp=parse_time(at)
    )


def test_the_silence_job_closes_a_session_silent_longer_than_the_setting(station: Asset) -> None:
    session = start_session("GOOD", T0)
    now = timezone.now()
    hours = settings.SESSION_SILENCE_HOURS
    assert hours == 24  # the default
    # Silence is measured on the CSMS's clock: the station's (2025) is not trusted for it.
    assert sessions_close_silent(now=now + timedelta(hours=hours - 1)) == 0
    assert ChargingSession.objects.get(pk=session.pk).status == SessionStatus.ACTIVE
    assert sessions_close_silent(now=now + timedelta(hours=hours + 1)) == 1
    closed = ChargingSession.objects.get(pk=session.pk)
    assert (closed.status, closed.stop_reason) == (SessionStatus.COMPLETED, "Silent")
    assert (closed.meter_stop_wh, closed.energy_wh) == (700, 0)
    assert closed.stopped_at.isoformat().startswith("2025-03-01T10:00")  # its last sign
    assert sessions_close_silent(now=now + timedelta(hours=hours + 2)) == 0  # idempotent


def test_the_beat_job_runs_the_silence_service(station: Asset, settings) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["close-silent-sessions"]["task"] == (
        "charging.tasks.close_silent_sessions"
    )
    session = start_session("GOOD", T0)
    settings.SESSION_SILENCE_HOURS = 0
    assert close_silent_sessions() == 1
    assert ChargingSession.objects.get(pk=session.pk).stop_reason == "Silent"
