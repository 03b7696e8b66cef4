"""A station in Pending registration may send BootNotification and what the CSMS asks for with
TriggerMessage; anything else is answered with CALLERROR SecurityError (2.0.1 B02.FR.09, 1.6
likewise), through the consumer."""

import json

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset, RegistrationStatus
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.tasks import deliver_calls_of_stations
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

BOOT = {
    "ocpp1.6": {"chargePointVendor": "Acme", "chargePointModel": "M1"},
    "ocpp2.0.1": {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "Acme"}},
}
STATUS = {
    "ocpp1.6": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    "ocpp2.0.1": {
        "timestamp": "2026-01-01T00:00:00Z",
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    },
}
TRIGGER = {
    "ocpp1.6": {"requestedMessage": "StatusNotification", "connectorId": 1},
    "ocpp2.0.1": {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
}


@pytest.fixture(params=["ocpp1.6", "ocpp2.0.1"])
def protocol(request: pytest.FixtureRequest, make_station) -> str:
    asset = make_station("CP-P", protocol=request.param)
    Asset.objects.filter(pk=asset.pk).update(registration_status=RegistrationStatus.PENDING)
    return request.param


def trigger_sent(protocol: str) -> str:
    asset = Asset.objects.get(identity="CP-P")
    call = ocpp_call_send(
        asset=asset, action="TriggerMessage", payload=TRIGGER[protocol], wait=False
    )
    deliver_calls_of_stations([str(asset.pk)])
    return call.message_id


async def test_a_pending_station_gets_security_error_for_calls_nobody_asked_for(
    protocol: str,
) -> None:
    station = FakeStation("CP-P", protocol)
    assert (await station.connect())[0]
    boot = await station.call("BootNotification", BOOT[protocol])
    assert boot[2]["status"] == "Pending"
    for action, payload in [("Heartbeat", {}), ("StatusNotification", STATUS[protocol])]:
        reply = await station.call(action, payload)
        assert reply[:3] == [4, reply[1], "SecurityError"], reply
        assert "Pending" in reply[3]
    await station.close()


async def test_a_pending_station_may_send_what_trigger_message_asked_for(protocol: str) -> None:
    station = FakeStation("CP-P", protocol)
    assert (await station.connect())[0]
    assert (await station.call("BootNotification", BOOT[protocol]))[2]["status"] == "Pending"
    message_id = await sync_to_async(trigger_sent)(protocol)
    frame = json.loads(await station.communicator.receive_from(timeout=5))
    assert frame[:3] == [2, message_id, "TriggerMessage"]
    await station.communicator.send_to(
        text_data=json.dumps([3, message_id, {"status": "Accepted"}])
    )
    assert (await station.call("StatusNotification", STATUS[protocol]))[0] == 3
    assert (await station.call("Heartbeat", {}))[2] == "SecurityError"  # not asked for
    await station.close()
