"""A call answered outside its action's response schema, as the API and the console show it:
its own state, the schema's message, and what the station sent."""

from ocpp_bridge.api.call_responses import unsuccessful
from ocpp_bridge.api.presenters import call_detail
from ocpp_bridge.models import CallState, OcppCall
from ui.console import console_call_state

MESSAGE = "status: 'Maybe' is not one of ['Accepted', 'Rejected']"


def invalid_call() -> OcppCall:
    return OcppCall(
        message_id="m1",
        action="Reset",
        protocol="ocpp2.0.1",
        payload={"type": "Immediate"},
        state=CallState.INVALID_RESPONSE,
        is_async=False,
        response_payload={"status": "Maybe"},
        error_code="PropertyConstraintViolation",
        error_description=MESSAGE,
        error_details={"field": "status", "keyword": "enum"},
    )


def test_the_call_detail_shows_the_state_the_message_and_the_stations_payload() -> None:
    body = call_detail(invalid_call())
    assert body["status"] == "invalid_response" and body["data"]["state"] == "invalid_response"
    assert body["data"]["response"]["payload"] == {"status": "Maybe"}
    assert body["data"]["invalidResponse"] == {
        "errorCode": "PropertyConstraintViolation",
        "message": MESSAGE,
        "field": "status",
    }


def test_a_synchronous_request_gets_a_502_invalid_response() -> None:
    error = unsuccessful(invalid_call())
    assert error is not None and error.status_code == 502
    assert error.error_code == "invalid_response"
    assert error.details["message"] == MESSAGE and error.details["state"] == "invalid_response"
    assert error.details["data"]["response"]["payload"] == {"status": "Maybe"}


def test_an_answered_call_shows_no_verdict() -> None:
    call = invalid_call()
    call.state = CallState.ANSWERED
    assert "invalidResponse" not in call_detail(call)["data"]
    assert unsuccessful(call) is None


def test_the_console_shows_the_call_as_invalid() -> None:
    state = console_call_state(invalid_call())
    assert state["state"] == "invalid_response" and state["final"] is True
    assert state["invalidResponse"]["message"] == MESSAGE
    assert state["response"]["payload"] == {"status": "Maybe"}
