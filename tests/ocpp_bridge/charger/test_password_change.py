"""When a station accepts a new Basic-auth password (2.x SetVariables of
SecurityCtrlr.BasicAuthPassword, 1.6 ChangeConfiguration of AuthorizationKey), the CSMS stores
it at once: the station gets in with the new password and no longer with the old one
(2.0.1 A01.FR.03). Through the consumer, as a station answering the CSMS's call."""

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from assets.models import Asset
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.tasks import deliver_calls_of_stations
from tests.conftest import STATION_PASSWORD
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-brand-new-password-0123456789"


def change_request(protocol: str) -> tuple[str, dict[str, Any]]:
    if protocol == "ocpp1.6":
        return "ChangeConfiguration", {"key": "AuthorizationKey", "value": NEW_PASSWORD}
    data = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeValue": NEW_PASSWORD,
    }
    return "SetVariables", {"setVariableData": [data]}


def change_answer(protocol: str, status: str) -> dict[str, Any]:
    if protocol == "ocpp1.6":
        return {"status": status}
    result = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeStatus": status,
    }
    return {"setVariableResult": [result]}


@pytest.fixture(params=["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
def protocol(request: pytest.FixtureRequest, make_station) -> str:
    make_station("CP-PW", protocol=request.param)
    return request.param


def change_sent(protocol: str) -> str:
    asset = Asset.objects.get(identity="CP-PW")
    action, payload = change_request(protocol)
    call = ocpp_call_send(asset=asset, action=action, payload=payload, wait=False)
    deliver_calls_of_stations([str(asset.pk)])
    return call.message_id


async def station_answers_change(protocol: str, status: str) -> None:
    station = FakeStation("CP-PW", protocol)
    assert (await station.connect())[0]
    message_id = await sync_to_async(change_sent)(protocol)
    frame = json.loads(await station.communicator.receive_from(timeout=5))
    assert frame[:2] == [2, message_id]
    answer = [3, message_id, change_answer(protocol, status)]
    await station.communicator.send_to(text_data=json.dumps(answer))
    assert (await station.call("Heartbeat", {}))[0] == 3  # the answer was handled before
    await station.close()


async def connects(protocol: str, password: str) -> bool:
    station = FakeStation("CP-PW", protocol, password=password)
    connected, _ = await station.connect()
    await station.close()
    return connected


async def test_an_accepted_new_password_is_stored_and_the_old_one_refused(protocol: str) -> None:
    await station_answers_change(protocol, "Accepted")
    assert await connects(protocol, NEW_PASSWORD)
    assert not await connects(protocol, STATION_PASSWORD)


async def test_a_rejected_new_password_changes_nothing(protocol: str) -> None:
    await station_answers_change(protocol, "Rejected")
    assert await connects(protocol, STATION_PASSWORD)
    assert not await connects(protocol, NEW_PASSWORD)


def admin_rotates(admin_client) -> None:
    asset = Asset.objects.get(identity="CP-PW")
    admin_client.post(
        reverse("admin:assets_asset_changelist"),
        {"action": "rotate_password", "_selected_action": [str(asset.pk)]},
    )
    deliver_calls_of_stations([str(asset.pk)])


async def test_the_admin_rotates_a_password_that_the_station_accepts(
    protocol: str, admin_client
) -> None:
    station = FakeStation("CP-PW", protocol)
    assert (await station.connect())[0]
    await sync_to_async(admin_rotates)(admin_client)
    frame = json.loads(await station.communicator.receive_from(timeout=5))
    action, payload = frame[2], frame[3]
    if action == "ChangeConfiguration":
        password = payload["value"]
    else:
        password = payload["setVariableData"][0]["attributeValue"]
    assert len(password) == 32 and password != STATION_PASSWORD
    await station.communicator.send_to(
        text_data=json.dumps([3, frame[1], change_answer(protocol, "Accepted")])
    )
    assert (await station.call("Heartbeat", {}))[0] == 3
    await station.close()
    assert await connects(protocol, password)
    assert not await connects(protocol, STATION_PASSWORD)
