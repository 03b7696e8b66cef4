"""Rule 4: a 2.x session started after the CSMS's RequestStartTransaction, whose events carry
its remoteStartId but no idToken, takes the token of that call (the latest one the CSMS sent
the station with that remoteStartId)."""

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from ocpp_bridge.calls.delivery import ocpp_calls_dispatch_next
from ocpp_bridge.calls.send import ocpp_call_send
from tests.charging.messages import id_token, meter_201, send_all, tx_event
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:20:00Z"
V2X = ["ocpp2.0.1", "ocpp2.1"]


@pytest.fixture
def station(make_station) -> Asset:
    IdToken.objects.create(id_token="APP-1")
    return make_station("CP-1")


async def remote_start(client: FakeStation, asset: Asset, token: str, remote_start_id: int) -> None:
    """The CSMS sends RequestStartTransaction; the station receives it and accepts."""
    payload = {"idToken": id_token(token), "remoteStartId": remote_start_id, "evseId": 1}
    connected = await Asset.objects.aget(pk=asset.pk)  # as the station's connection left it
    await sync_to_async(ocpp_call_send)(
        asset=connected, action="RequestStartTransaction", payload=payload, wait=False
    )
    # What a Celery worker does with Redis (embedded, the task ran already: nothing left).
    await sync_to_async(ocpp_calls_dispatch_next)(asset_ids=[asset.pk])
    frame = json.loads(await client.communicator.receive_from(timeout=5))
    assert (frame[0], frame[2], frame[3]) == (2, "RequestStartTransaction", payload)
    await client.communicator.send_to(text_data=json.dumps([3, frame[1], {"status": "Accepted"}]))


def started_without_token(remote_start_id: int, **extra: Any) -> dict[str, Any]:
    event = tx_event("Started", 0, T0, "TX-RS", evse={"id": 1, "connectorId": 1},
                     meterValue=meter_201(T0, 2.0), **extra)  # fmt: skip
    event["triggerReason"] = "RemoteStart"
    event["transactionInfo"]["remoteStartId"] = remote_start_id
    return event


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_remote_start_without_id_token_takes_the_token_of_the_csms_call(
    station: Asset, protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    await remote_start(client, station, "OLD-APP", 41)  # an earlier start with that id
    await remote_start(client, station, "APP-1", 41)
    await remote_start(client, station, "SOMEONE-ELSE", 42)
    (reply,) = await send_all(client, [("TransactionEvent", started_without_token(41))])
    ended = tx_event("Ended", 1, T1, "TX-RS", reason="Remote", meterValue=meter_201(T1, 9.0))
    await send_all(client, [("TransactionEvent", ended)])
    await client.close()

    assert "idTokenInfo" not in reply  # the station sent no idToken to decide on
    session = await ChargingSession.objects.select_related("token").aget(transaction_id="TX-RS")
    assert (session.id_token, session.token.id_token) == ("APP-1", "APP-1")
    assert (session.remote_start_id, session.status) == (41, SessionStatus.COMPLETED)
    assert session.energy_wh == 7000


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_the_stations_own_token_wins_over_the_call(station: Asset, protocol: str) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    await remote_start(client, station, "OLD-APP", 43)
    event = started_without_token(43, idToken=id_token("APP-1"))
    (reply,) = await send_all(client, [("TransactionEvent", event)])
    await client.close()
    assert reply["idTokenInfo"]["status"] == "Accepted"
    assert (await ChargingSession.objects.aget(transaction_id="TX-RS")).id_token == "APP-1"


async def test_2x_a_remote_start_id_the_csms_never_sent_leaves_no_token(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    await send_all(client, [("TransactionEvent", started_without_token(99))])
    await client.close()
    session = await ChargingSession.objects.aget(transaction_id="TX-RS")
    assert (session.id_token, session.token_id, session.remote_start_id) == ("", None, 99)
