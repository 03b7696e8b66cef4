"""What a station reports of its configuration is kept as its variables (a 1.6 GetConfiguration
answer too, so that it outlives the call rows retention prunes), and a secret value a station
should never have reported (write-only: 1.6 AuthorizationKey, 2.x BasicAuthPassword) is masked
in the frame log, on the call and in the variables. Through the consumer."""

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset, StationVariable
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import OcppCall, OcppFrame
from ocpp_bridge.protocol.masking import MASK
from ocpp_bridge.tasks import deliver_calls_of_stations
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "leaked-password-0123456789"
CONFIGURATION = {
    "configurationKey": [
        {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        {"key": "ChargingScheduleAllowedChargingRateUnit", "readonly": True, "value": "Power"},
        {"key": "AuthorizationKey", "readonly": False, "value": SECRET},
        {"key": "HeartbeatInterval", "readonly": False, "value": "600"},  # twice: the last
    ],
    "unknownKey": ["NoSuchKey"],
}


def sent(identity: str, action: str, payload: dict[str, Any]) -> str:
    asset = Asset.objects.get(identity=identity)
    call = ocpp_call_send(asset=asset, action=action, payload=payload, wait=False)
    deliver_calls_of_stations([str(asset.pk)])
    return call.message_id


async def answer_call(
    station: FakeStation, identity: str, action: str, request: dict, answer: dict
) -> str:
    message_id = await sync_to_async(sent)(identity, action, request)
    frame = json.loads(await station.communicator.receive_from(timeout=5))
    assert frame[:3] == [2, message_id, action]
    await station.communicator.send_to(text_data=json.dumps([3, message_id, answer]))
    assert (await station.call("Heartbeat", {}))[0] == 3  # the answer was handled before
    return message_id


def nowhere_in_clear(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


async def test_a_1_6_configuration_is_kept_and_its_secret_masked(make_station) -> None:
    asset = await sync_to_async(make_station)("CP-CFG", protocol="ocpp1.6")
    station = FakeStation("CP-CFG", "ocpp1.6")
    assert (await station.connect())[0]
    message_id = await answer_call(station, "CP-CFG", "GetConfiguration", {}, CONFIGURATION)
    await station.close()

    kept = {
        v.variable: (v.value, v.mutability)
        async for v in StationVariable.objects.filter(asset=asset, component="")
    }
    assert kept == {
        "HeartbeatInterval": ("600", "ReadWrite"),
        "ChargingScheduleAllowedChargingRateUnit": ("Power", "ReadOnly"),
        "AuthorizationKey": (MASK, "ReadWrite"),
    }
    call = await OcppCall.objects.aget(message_id=message_id)
    frames = [json.dumps(f.payload) async for f in OcppFrame.objects.filter(asset=asset)]
    nowhere_in_clear(json.dumps(call.response_payload), *frames)
    assert any("HeartbeatInterval" in text for text in frames)  # the rest is logged as sent


async def test_a_2x_report_and_answer_keep_no_secret_in_clear(make_station) -> None:
    asset = await sync_to_async(make_station)("CP-REP", protocol="ocpp2.0.1")
    station = FakeStation("CP-REP", "ocpp2.0.1")
    assert (await station.connect())[0]
    password = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}
    interval = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    report = {
        "requestId": 1, "generatedAt": "2026-12-06T10:00:00Z", "seqNo": 0,
        "reportData": [
            {**password, "variableAttribute": [{"type": "Actual", "value": SECRET}]},
            {**interval, "variableAttribute": [{"type": "Actual", "value": "300"}]},
        ],
    }  # fmt: skip
    assert (await station.call("NotifyReport", report))[0] == 3
    results = {
        "getVariableResult": [
            {**password, "attributeStatus": "Accepted", "attributeValue": SECRET},
            {**interval, "attributeStatus": "Accepted", "attributeValue": "300"},
        ]
    }
    asked = {"getVariableData": [password, interval]}
    message_id = await answer_call(station, "CP-REP", "GetVariables", asked, results)
    await station.close()

    kept = {v.variable: v.value async for v in StationVariable.objects.filter(asset=asset)}
    assert kept == {"BasicAuthPassword": MASK, "HeartbeatInterval": "300"}
    call = await OcppCall.objects.aget(message_id=message_id)
    frames = [json.dumps(f.payload) async for f in OcppFrame.objects.filter(asset=asset)]
    nowhere_in_clear(json.dumps(call.response_payload), *frames)
    answered = call.response_payload["getVariableResult"]
    assert [r["attributeValue"] for r in answered] == [MASK, "300"]
