"""A station's answer to a CSMS call is checked against the action's official response schema:
one outside it ends the call `invalid_response`, keeps what the station sent, and (2.1 only)
is answered with a CALLRESULTERROR."""

import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from assets.models import Asset
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.charger.connections import connection_open
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.charger.incoming import process_texts
from ocpp_bridge.models import CallState, Direction, OcppCall, OcppFrame
from ocpp_bridge.protocol.versions import OcppVersion
from ocpp_bridge.tasks import deliver_calls_of_stations
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

RESET = {
    "ocpp1.6": {"type": "Soft"},
    "ocpp2.0.1": {"type": "Immediate"},
    "ocpp2.1": {"type": "Immediate"},
}


@pytest.fixture(params=["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
def protocol(request: pytest.FixtureRequest, make_station) -> str:
    make_station("CP-A", protocol=request.param)
    return request.param


def reset_sent(protocol: str) -> OcppCall:
    asset = Asset.objects.get(identity="CP-A")
    call = ocpp_call_send(asset=asset, action="Reset", payload=RESET[protocol], wait=False)
    # What the worker runs (with a broker no worker runs here; embedded it already ran, and
    # it is idempotent).
    deliver_calls_of_stations([str(asset.pk)])
    return call


async def answered(protocol: str, answer: dict[str, Any]) -> tuple[OcppCall, list[Any]]:
    """Connect, receive a Reset, answer it with `answer`, then send a Heartbeat: returns the
    call as stored and every frame the station received after its answer, up to the
    Heartbeat's result (frames of one station are handled in order)."""
    station = FakeStation("CP-A", protocol)
    assert (await station.connect())[0]
    queued = await sync_to_async(reset_sent)(protocol)
    call_frame = json.loads(await station.communicator.receive_from(timeout=5))
    assert call_frame[:3] == [2, queued.message_id, "Reset"]
    await station.communicator.send_to(text_data=json.dumps([3, queued.message_id, answer]))
    await station.communicator.send_to(text_data='[2,"hb","Heartbeat",{}]')
    received = [json.loads(await station.communicator.receive_from(timeout=5))]
    while received[-1][:2] != [3, "hb"]:
        received.append(json.loads(await station.communicator.receive_from(timeout=5)))
    await station.close()
    return await OcppCall.objects.aget(pk=queued.pk), received[:-1]


async def test_an_answer_outside_the_schema_ends_the_call_invalid_response(protocol: str) -> None:
    call, received = await answered(protocol, {"status": "Maybe"})
    assert call.state == CallState.INVALID_RESPONSE
    assert call.response_payload == {"status": "Maybe"}
    assert call.error_code == "PropertyConstraintViolation"
    assert "status: 'Maybe' is not one of" in call.error_description
    answer = await OcppFrame.objects.aget(direction=Direction.IN, message_id=call.message_id)
    assert answer.payload == {"status": "Maybe"} and answer.action == "Reset"
    assert answer.invalid_response == {
        "errorCode": "PropertyConstraintViolation",
        "message": call.error_description,
        "field": "status",
    }
    if protocol == "ocpp2.1":  # 2.1 defines CALLRESULTERROR for it
        assert received == [
            [5, call.message_id, "PropertyConstraintViolation", call.error_description,
             {"field": "status", "keyword": "enum"}]
        ]  # fmt: skip
        logged = await OcppFrame.objects.aget(direction=Direction.OUT, message_type=5)
        assert logged.message_id == call.message_id and logged.action == "Reset"
    else:  # 1.6 and 2.0.1 define no such frame: nothing is sent
        assert received == []
        assert not await OcppFrame.objects.filter(message_type=5).aexists()


async def test_a_missing_field_is_an_occurrence_violation(protocol: str) -> None:
    call, received = await answered(protocol, {})
    assert call.state == CallState.INVALID_RESPONSE
    assert (call.error_code, call.error_details["field"]) == (
        "OccurrenceConstraintViolation",
        "status",
    )
    assert [frame[2] for frame in received] == (
        ["OccurrenceConstraintViolation"] if protocol == "ocpp2.1" else []
    )


async def test_a_valid_answer_is_answered_as_before(protocol: str) -> None:
    call, received = await answered(protocol, {"status": "Accepted"})
    assert call.state == CallState.ANSWERED and call.response_payload == {"status": "Accepted"}
    assert received == []
    answer = await OcppFrame.objects.aget(direction=Direction.IN, message_id=call.message_id)
    assert answer.invalid_response is None


def sent_reset_21(make_station: Any, identity: str) -> StationContext:
    asset = make_station(identity, protocol="ocpp2.1")
    opened, _ = connection_open(
        asset_id=asset.pk, protocol="ocpp2.1", channel_name=f"test.{identity}", remote_addr=""
    )
    now = timezone.now()
    OcppCall.objects.create(
        asset=asset, connection=opened, protocol="ocpp2.1", message_id=f"r-{identity}",
        action="Reset", payload={"type": "Immediate"}, state=CallState.SENT, sent_at=now,
        deadline_at=now + timedelta(seconds=30),
    )  # fmt: skip
    return StationContext(
        asset_id=asset.pk,
        identity=identity,
        network_id=asset.network_id,
        version=OcppVersion.V21,
        connection_id=opened.pk,
        registration_status=asset.registration_status,
    )


def test_answers_handled_together_each_get_their_own_verdict(make_station: Any) -> None:
    good, bad = sent_reset_21(make_station, "GC-1"), sent_reset_21(make_station, "GC-2")
    replies = process_texts(
        [
            (good, json.dumps([3, "r-GC-1", {"status": "Accepted"}])),
            (bad, json.dumps([3, "r-GC-2", {"status": "Maybe"}])),
        ],
        max_bytes=64 * 1024,
    )
    assert replies[0] is None
    assert json.loads(replies[1] or "null")[:3] == [5, "r-GC-2", "PropertyConstraintViolation"]
    states = dict(OcppCall.objects.values_list("message_id", "state"))
    assert states == {"r-GC-1": CallState.ANSWERED, "r-GC-2": CallState.INVALID_RESPONSE}
    logged = OcppFrame.objects.filter(message_id="r-GC-2").order_by("id")
    assert [(f.direction, f.message_type) for f in logged] == [
        (Direction.IN, 3),
        (Direction.OUT, 5),
    ]
