"""The `ocpp.message` webhook data of an answer the CSMS found outside its response schema."""

from ocpp_bridge.models import Direction, OcppFrame
from ocpp_bridge.station_events import StationRef, frame_event_data

STATION = StationRef(asset_id="a1", identity="CP-1", network_id=None, protocol="ocpp2.0.1")
VERDICT = {"errorCode": "PropertyConstraintViolation", "message": "status: ...", "field": "status"}


def answer(**fields: object) -> OcppFrame:
    return OcppFrame(
        pk=7, direction=Direction.IN, message_type=3, message_id="m1", action="Reset",
        payload={"status": "Maybe"}, **fields,
    )  # fmt: skip


def test_an_invalid_answer_carries_the_verdict() -> None:
    data = frame_event_data(answer(invalid_response=VERDICT), STATION)
    assert data["invalidResponse"] == VERDICT
    assert (data["messageType"], data["payload"]) == ("CALL_RESULT", {"status": "Maybe"})


def test_a_valid_answer_carries_none() -> None:
    assert "invalidResponse" not in frame_event_data(answer(), STATION)
