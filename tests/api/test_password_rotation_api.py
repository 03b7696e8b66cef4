"""POST /ocpp/v2/assets/{assetId}/rotate-password over real HTTP to a real daphne, with a station
on a real socket: the station is sent a new generated password, and once it accepts, that
password opens its connection and the old one no longer does. The answer never shows it."""

import asyncio
import base64
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpp_bridge.models import Direction, OcppCall, OcppFrame
from ocpp_bridge.protocol.masking import MASK
from tests.api_clients import Api
from tests.conftest import STATION_PASSWORD
from tests.e2e.raw_station import RawStation
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(client_with, make_station) -> Api:
    make_station("CP-ROT", protocol="ocpp2.0.1")
    return client_with("write:ocpp")


def sent_password(payload: dict[str, Any]) -> str:
    return payload["setVariableData"][0]["attributeValue"]


async def connects(address: str, password: str) -> bool:
    token = base64.b64encode(f"CP-ROT:{password}".encode()).decode()
    try:
        async with connect(
            f"ws://{address}/ocpp/CP-ROT",
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Basic {token}"},
        ):
            return True
    except InvalidStatus:
        return False


async def answered(api: Api, message_id: str) -> bool:
    response = await asyncio.to_thread(api.get, f"/ocpp/v2/requests/{message_id}")
    return response.json()["data"]["state"] == "answered"


def accept_password(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    variable = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}
    return {"setVariableResult": [{**variable, "attributeStatus": "Accepted"}]}


async def test_a_rotated_password_is_stored_once_the_station_accepts_it(api: Api) -> None:
    address = api.base.removeprefix("http://")
    async with RawStation(address, "CP-ROT", "ocpp2.0.1", policy=accept_password) as station:
        response = await asyncio.to_thread(api.post, "/ocpp/v2/assets/CP-ROT/rotate-password", {})
        (call,) = await station.wait_for_calls(1)
        message_id = response.json()["data"]["ocppMessageId"]
        assert await wait_for(lambda: answered(api, message_id))  # stored by the server
    new_password = sent_password(call.payload)

    assert response.status_code == 202, response.text
    assert response.json()["data"]["action"] == "SetVariables"
    assert new_password not in response.text
    assert call.action == "SetVariables" and len(new_password) >= 16
    assert await connects(address, new_password)
    assert not await connects(address, STATION_PASSWORD)
    # Shown and kept nowhere: the frame log, the call's view and its row have it masked.
    frame = await OcppFrame.objects.aget(message_id=message_id, direction=Direction.OUT)
    detail = await asyncio.to_thread(api.get, f"/ocpp/v2/requests/{message_id}")
    row = await OcppCall.objects.aget(message_id=message_id)
    for kept in (frame.payload, detail.json()["data"]["request"]["payload"], row.payload):
        assert sent_password(kept) == MASK
    assert new_password not in (frame.raw or "") + detail.text


async def test_rotating_an_offline_station_is_409_and_sends_nothing(api: Api) -> None:
    response = await asyncio.to_thread(api.post, "/ocpp/v2/assets/CP-ROT/rotate-password", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "station_not_connected"
