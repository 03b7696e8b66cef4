"""The platform's legacy endpoints send each protocol's own message."""

import asyncio

import pytest

from assets.models import Asset
from charging.models import ChargingSession
from tests.api_clients import Api, api_for
from tests.e2e.conftest import Cluster
from tests.e2e.raw_station import RawStation
from tests.e2e.test_command_path import wait_until_final

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(cluster: Cluster, make_station) -> Api:
    make_station("CP-L")
    return api_for(cluster.daphne_b, "write:ocpp")


async def received(cluster: Cluster, api: Api, protocol: str, path: str, body: dict) -> tuple:
    async with RawStation(cluster.daphne_a, "CP-L", protocol) as station:
        response = await asyncio.to_thread(api.post, path, body)
        assert response.status_code == 200, response.text
        await wait_until_final(response.json()["ocppMessageId"])
        call = station.calls[0]
    return response.json(), call.action, call.payload


@pytest.mark.parametrize(
    ("protocol", "reset_type", "expected"),
    [("ocpp1.6", "Hard", {"type": "Hard"}), ("ocpp2.0.1", "Hard", {"type": "Immediate"}),
     ("ocpp2.1", "Soft", {"type": "OnIdle"})],
)  # fmt: skip
async def test_reset(cluster: Cluster, api: Api, protocol: str, reset_type: str, expected: dict):
    body = {"requestId": f"reset-{protocol}", "chargingStationId": "CP-L", "resetType": reset_type}
    answer, action, payload = await received(cluster, api, protocol, "/ocpp/reset", body)
    assert (action, payload) == ("Reset", expected)
    assert answer["ocppMessageId"] == f"reset-{protocol}" and answer["async"] is True


async def test_remote_start_on_2_0_1_is_request_start_transaction(cluster: Cluster, api: Api):
    body = {"idTag": "TAG-9", "requestId": "r1", "chargingStationId": "CP-L", "connectorId": 2}
    _, action, payload = await received(
        cluster, api, "ocpp2.0.1", "/ocpp/remoteStartTransaction", body
    )
    assert action == "RequestStartTransaction"
    assert payload["idToken"] == {"idToken": "TAG-9", "type": "Central"}
    assert payload["evseId"] == 2 and isinstance(payload["remoteStartId"], int)


@pytest.mark.parametrize(
    ("protocol", "action", "transaction_id"),
    [("ocpp1.6", "RemoteStopTransaction", None), ("ocpp2.0.1", "RequestStopTransaction", "TX-7")],
)
async def test_remote_stop_finds_the_session(
    cluster: Cluster, api: Api, protocol: str, action: str, transaction_id: str | None
) -> None:
    asset = await Asset.objects.aget(identity="CP-L")
    session = await ChargingSession.objects.acreate(
        asset=asset, transaction_id=transaction_id or ""
    )
    if transaction_id is None:  # 1.6 ids are the session's own key
        session.transaction_id = str(session.pk)
        await session.asave()
    body = {"sessionId": str(session.pk)}
    _, sent_action, payload = await received(
        cluster, api, protocol, "/ocpp/remoteStopTransaction", body
    )
    expected = int(session.transaction_id) if protocol == "ocpp1.6" else transaction_id
    assert (sent_action, payload) == (action, {"transactionId": expected})
