"""The key session rules over real sockets: stations on two daphne processes, a Celery worker,
PostgreSQL and Redis (the `cluster`). Each test states what the stations did and checks that
the stored sessions match it exactly."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from charging.models import ChargingSession, SessionStatus
from tests.api_clients import api_for
from tests.charging.messages import (
    id_token,
    meter_201,
    start_16,
    status_16,
    stop_16,
    tx_event,
)
from tests.e2e.conftest import Cluster, settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.e2e.test_command_path import wait_until_final
from tokens.models import IdToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STUCK = "2025-03-01T00:00:00Z"
T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"


@pytest.fixture
def fleet(make_station, cluster: Cluster) -> Cluster:
    IdToken.objects.create(id_token="CARD")
    for identity in ("E-16", "E-201", "E-21"):
        make_station(identity)
    return cluster


async def answer(station: RawStation, action: str, payload: dict) -> dict:
    frame = await station.call(action, payload)
    assert frame[0] == 3, frame
    return frame[2]


async def sessions_of(identity: str) -> list[ChargingSession]:
    query = ChargingSession.objects.filter(asset__identity=identity).order_by("id")
    return [session async for session in query]


async def test_a_refused_start_the_station_abandons_is_refused_and_frees_the_card(
    fleet: Cluster,
) -> None:
    async with RawStation(fleet.daphne_a, "E-16", "ocpp1.6") as station:
        refused = await answer(station, "StartTransaction", start_16(1, "LATER", 1000, T0))
        await answer(station, "StatusNotification", status_16(1, "Available", T1))
    assert refused["idTagInfo"]["status"] == "Invalid"
    (session,) = await sessions_of("E-16")
    assert (session.status, session.energy_wh) == (SessionStatus.REFUSED, 0)
    # The card, registered since, starts on another station at once: nothing locks it.
    await IdToken.objects.acreate(id_token="LATER")
    async with RawStation(fleet.daphne_b, "E-201", "ocpp2.0.1") as station:
        started = tx_event("Started", 0, T2, "TX-L", idToken=id_token("LATER"), evse={"id": 1})
        reply = await answer(station, "TransactionEvent", started)
    assert reply["idTokenInfo"]["status"] == "Accepted"


async def test_a_stuck_clock_keeps_two_transactions_and_both_stops(fleet: Cluster) -> None:
    async with RawStation(fleet.daphne_a, "E-16", "ocpp1.6") as station:
        first = await answer(station, "StartTransaction", start_16(1, "CARD", 0, STUCK))
        await answer(station, "StopTransaction", stop_16(first["transactionId"], 4000, STUCK))
        second = await answer(station, "StartTransaction", start_16(1, "CARD", 4000, STUCK))
        await answer(station, "StopTransaction", stop_16(second["transactionId"], 8000, STUCK))
    sessions = await sessions_of("E-16")
    assert [int(s.transaction_id) for s in sessions] == [
        first["transactionId"],
        second["transactionId"],
    ]
    assert [(s.status, s.energy_wh) for s in sessions] == [("completed", 4000)] * 2


@pytest.mark.parametrize(("identity", "protocol"), [("E-201", "ocpp2.0.1"), ("E-21", "ocpp2.1")])
async def test_a_remote_start_without_token_takes_the_token_the_api_sent(
    fleet: Cluster, identity: str, protocol: str
) -> None:
    api = await sync_to_async(api_for)(fleet.daphne_b, "write:ocpp.raw_request")
    payload = {"idToken": id_token("CARD"), "remoteStartId": 314, "evseId": 1}
    request = {"action": "RequestStartTransaction", "assetId": identity, "async": True,
               "payload": payload}  # fmt: skip
    async with RawStation(fleet.daphne_a, identity, protocol) as station:
        sent = await asyncio.to_thread(api.post, "/ocpp/v2/raw-request", request)
        assert sent.status_code == 200, sent.text
        (received,) = await station.wait_for_calls(1)
        await wait_until_final(sent.json()["data"]["ocppMessageId"])
        started = tx_event("Started", 0, T0, "TX-RS", evse={"id": 1},
                           meterValue=meter_201(T0, 1.0))  # fmt: skip
        started["transactionInfo"]["remoteStartId"] = received.payload["remoteStartId"]
        reply = await answer(station, "TransactionEvent", started)
    assert "idTokenInfo" not in reply
    (session,) = await sessions_of(identity)
    assert (session.id_token, session.remote_start_id) == ("CARD", 314)
    assert session.token_id == (await IdToken.objects.aget(id_token="CARD")).pk


async def test_a_meter_going_backwards_gives_no_energy_in_either_generation(
    fleet: Cluster,
) -> None:
    async with RawStation(fleet.daphne_a, "E-16", "ocpp1.6") as station:
        started = await answer(station, "StartTransaction", start_16(1, "CARD", 5000, T0))
        await answer(station, "StopTransaction", stop_16(started["transactionId"], 4000, T1))
    async with RawStation(fleet.daphne_b, "E-21", "ocpp2.1") as station:
        begin = tx_event("Started", 0, T0, "TX-M", idToken=id_token("CARD"), evse={"id": 1},
                         meterValue=meter_201(T0, 5.0))  # fmt: skip
        end = tx_event("Ended", 1, T1, "TX-M", meterValue=meter_201(T1, 4.0))
        await answer(station, "TransactionEvent", begin)
        await answer(station, "TransactionEvent", end)
    sessions = [*(await sessions_of("E-16")), *(await sessions_of("E-21"))]
    readings = [(s.meter_start_wh, s.meter_stop_wh, s.energy_wh, s.meter_anomaly) for s in sessions]
    assert readings == [(5000, 4000, 0, True)] * 2


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_a_card_charging_on_one_process_is_refused_on_the_other(
    fleet: Cluster, protocol: str
) -> None:
    identity = "E-201" if protocol == "ocpp2.0.1" else "E-21"
    async with (
        RawStation(fleet.daphne_a, "E-16", "ocpp1.6") as first,
        RawStation(fleet.daphne_b, identity, protocol) as second,
    ):
        charging = await answer(first, "StartTransaction", start_16(1, "CARD", 0, T0))
        started = tx_event("Started", 0, T1, "TX-C", idToken=id_token("CARD"), evse={"id": 1})
        refused = await answer(second, "TransactionEvent", started)
    assert charging["idTagInfo"]["status"] == "Accepted"
    assert refused["idTokenInfo"]["status"] == "ConcurrentTx"
    assert [s.status for s in await sessions_of("E-16")] == [SessionStatus.ACTIVE]
    assert [s.status for s in await sessions_of(identity)] == [SessionStatus.REFUSED]
