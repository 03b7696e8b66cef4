"""Rule 1: a start whose token is refused never makes an active session. It is kept as
`refused`, never counts as charging (the card stays free), and a stop the station sends anyway
records its numbers without changing that."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from tests.charging.messages import (
    id_token,
    meter_201,
    send_all,
    start_16,
    status_2x,
    status_16,
    stop_16,
    tx_event,
)
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken, TokenStatus

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:05:00Z"
T2 = "2025-03-01T10:30:00Z"
V2X = ["ocpp2.0.1", "ocpp2.1"]


@pytest.fixture
def stations(make_station) -> list[Asset]:
    IdToken.objects.create(id_token="GOOD")
    IdToken.objects.create(id_token="BLOCKED", status=TokenStatus.BLOCKED)
    return [make_station("CP-1"), make_station("CP-2")]


async def sessions_of(identity: str) -> list[ChargingSession]:
    return [s async for s in ChargingSession.objects.filter(asset__identity=identity)]


async def charge_good_on_cp2() -> int:
    """The card GOOD charging on CP-2 connector 1; returns its transactionId."""
    other = FakeStation("CP-2", "ocpp1.6")
    await other.connect()
    (started,) = await send_all(other, [("StartTransaction", start_16(1, "GOOD", 0, T0))])
    await other.close()
    assert started["idTagInfo"]["status"] == "Accepted"
    return started["transactionId"]


async def stop_on_cp2(tx_id: int) -> None:
    other = FakeStation("CP-2", "ocpp1.6")
    await other.connect()
    await send_all(other, [("StopTransaction", stop_16(tx_id, 500, T2))])
    await other.close()


async def start_elsewhere_status(tag: str) -> str:
    """The answer to a start with `tag` on CP-2 connector 2: Accepted when nothing locks it."""
    other = FakeStation("CP-2", "ocpp1.6")
    await other.connect()
    (started,) = await send_all(other, [("StartTransaction", start_16(2, tag, 0, T2))])
    await other.close()
    return started["idTagInfo"]["status"]


@pytest.mark.parametrize(
    ("tag", "answer"),
    [("STRANGER", "Invalid"), ("BLOCKED", "Blocked"), ("GOOD", "ConcurrentTx")],
)
async def test_1_6_refused_start_the_station_gives_up_on_is_refused_and_locks_no_card(
    stations: list[Asset], tag: str, answer: str
) -> None:
    concurrent = await charge_good_on_cp2() if answer == "ConcurrentTx" else None
    # The station's truth: it starts, is refused, gives up without a stop, shows Available.
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, tag, 1000, T0))])
    await send_all(client, [("StatusNotification", status_16(1, "Available", T1))])
    await client.close()

    assert started["idTagInfo"]["status"] == answer
    (refused,) = await sessions_of("CP-1")
    assert refused.transaction_id == str(started["transactionId"])
    assert (refused.status, refused.energy_wh, refused.meter_start_wh) == ("refused", 0, 1000)
    assert not await ChargingSession.objects.filter(
        asset__identity="CP-1", status=SessionStatus.ACTIVE
    ).aexists()
    # The card is not locked by the refused session: once it may charge, it starts elsewhere.
    if concurrent is not None:
        await stop_on_cp2(concurrent)
    await IdToken.objects.aupdate_or_create(id_token=tag, defaults={"status": "Accepted"})
    assert await start_elsewhere_status(tag) == "Accepted"


async def test_1_6_a_refused_session_stopped_anyway_records_the_stop_and_stays_refused(
    stations: list[Asset],
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "STRANGER", 1000, T0))])
    stop = stop_16(started["transactionId"], 1400, T1, reason="DeAuthorized")
    await send_all(client, [("StopTransaction", stop), ("StopTransaction", stop)])
    await client.close()
    (refused,) = await sessions_of("CP-1")
    assert (refused.status, refused.stop_reason) == (SessionStatus.REFUSED, "DeAuthorized")
    assert (refused.meter_stop_wh, refused.energy_wh) == (1400, 400)
    assert refused.station_stopped and refused.stopped_at is not None


async def test_1_6_a_refused_start_closes_the_session_the_station_lost_on_its_connector(
    stations: list[Asset],
) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (lost,) = await send_all(client, [("StartTransaction", start_16(1, "GOOD", 1000, T0))])
    await send_all(client, [("StartTransaction", start_16(1, "STRANGER", 1200, T1))])
    await client.close()
    statuses = {s.transaction_id: (s.status, s.stop_reason) for s in await sessions_of("CP-1")}
    assert statuses[str(lost["transactionId"])] == (SessionStatus.COMPLETED, "Reboot")
    assert sorted(status for status, _ in statuses.values()) == ["completed", "refused"]


@pytest.mark.parametrize("protocol", V2X)
@pytest.mark.parametrize(("tag", "answer"), [("STRANGER", "Unknown"), ("BLOCKED", "Blocked")])
async def test_2x_started_with_a_refused_token_is_refused_and_its_ended_keeps_it_so(
    stations: list[Asset], protocol: str, tag: str, answer: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-R", idToken=id_token(tag), evse={"id": 1},
                       meterValue=meter_201(T0, 2.0))  # fmt: skip
    (reply,) = await send_all(client, [("TransactionEvent", started)])
    assert reply["idTokenInfo"]["status"] == answer
    assert (await ChargingSession.objects.aget(transaction_id="TX-R")).status == "refused"
    ended = tx_event("Ended", 1, T1, "TX-R", reason="DeAuthorized", idToken=id_token(tag),
                     meterValue=meter_201(T1, 2.5))  # fmt: skip
    await send_all(client, [("TransactionEvent", ended)])
    await client.close()
    session = await ChargingSession.objects.aget(transaction_id="TX-R")
    assert (session.status, session.stop_reason) == (SessionStatus.REFUSED, "DeAuthorized")
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (2000, 2500, 500)


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_refused_session_abandoned_with_the_connector_available_stays_refused(
    stations: list[Asset], protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-R", idToken=id_token("STRANGER"), evse={"id": 1})
    await send_all(client, [("TransactionEvent", started)])
    await send_all(client, [("StatusNotification", status_2x(1, "Available", T1))])
    await client.close()
    session = await ChargingSession.objects.aget(transaction_id="TX-R")
    assert session.status == SessionStatus.REFUSED
    await IdToken.objects.acreate(id_token="STRANGER")
    assert await start_elsewhere_status("STRANGER") == "Accepted"


async def test_refused_sessions_are_listed_as_refused(client_with, stations: list[Asset]) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    (started,) = await send_all(client, [("StartTransaction", start_16(1, "STRANGER", 0, T0))])
    await client.close()
    api = await sync_to_async(client_with)("read:session")
    answer = await asyncio.to_thread(api.get, "/sessions", params={"status": "refused"})
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["data"]["items"]
    assert (item["ocppTransactionId"], item["status"]) == (str(started["transactionId"]), "refused")
    active = await asyncio.to_thread(api.get, "/sessions", params={"status": "active"})
    assert active.json()["data"]["items"] == []
