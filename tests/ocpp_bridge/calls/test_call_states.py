"""A call's state only moves forward, whatever order answers, timeouts and drops arrive in."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from ocpp_bridge.calls.outcomes import (
    ocpp_call_expire,
    ocpp_call_fail,
    ocpp_call_record_error,
    ocpp_call_record_result,
    ocpp_calls_expire_overdue,
    ocpp_calls_fail_for_connection,
)
from ocpp_bridge.models import CallState, ChargerConnection, OcppCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_call(make_station) -> OcppCall:
    asset = make_station("CP-1", protocol="ocpp2.0.1")
    connection = ChargerConnection.objects.create(
        asset=asset, protocol="ocpp2.0.1", channel_name="x"
    )
    return OcppCall.objects.create(
        asset=asset,
        connection=connection,
        protocol="ocpp2.0.1",
        message_id="m1",
        action="Reset",
        state=CallState.SENT,
        sent_at=timezone.now(),
        deadline_at=timezone.now() + timedelta(seconds=30),
    )


def state(call: OcppCall) -> str:
    call.refresh_from_db()
    return call.state


def test_an_answer_is_stored_once(sent_call: OcppCall) -> None:
    accepted = {"status": "Accepted"}  # (was {"a": 1}, which a Reset's answer may not be)
    assert ocpp_call_record_result(asset_id=sent_call.asset_id, message_id="m1", payload=accepted)
    assert not ocpp_call_record_result(asset_id=sent_call.asset_id, message_id="m1", payload={})
    sent_call.refresh_from_db()
    assert sent_call.state == CallState.ANSWERED and sent_call.response_payload == accepted
    assert sent_call.completed_at is not None


def test_nothing_moves_an_answered_call(sent_call: OcppCall) -> None:
    accepted = {"status": "Accepted"}  # (was {}, which a Reset's answer may not be)
    ocpp_call_record_result(asset_id=sent_call.asset_id, message_id="m1", payload=accepted)
    OcppCall.objects.filter(pk=sent_call.pk).update(deadline_at=timezone.now())
    assert not ocpp_call_expire(call_id=sent_call.pk)
    assert not ocpp_call_fail(call_id=sent_call.pk, reason="station_disconnected")
    assert not ocpp_call_record_error(
        asset_id=sent_call.asset_id,
        message_id="m1",
        code="GenericError",
        description="",
        details={},
    )
    assert state(sent_call) == CallState.ANSWERED


def test_a_late_answer_keeps_the_timeout(sent_call: OcppCall) -> None:
    assert not ocpp_call_expire(call_id=sent_call.pk)  # deadline not reached yet
    OcppCall.objects.filter(pk=sent_call.pk).update(deadline_at=timezone.now())
    assert ocpp_call_expire(call_id=sent_call.pk)
    assert not ocpp_call_record_result(asset_id=sent_call.asset_id, message_id="m1", payload={})
    assert state(sent_call) == CallState.TIMED_OUT


def test_a_callerror_is_stored_with_its_code(sent_call: OcppCall) -> None:
    ocpp_call_record_error(
        asset_id=sent_call.asset_id,
        message_id="m1",
        code="NotSupported",
        description="no",
        details={"x": 1},
    )
    sent_call.refresh_from_db()
    assert (sent_call.state, sent_call.error_code, sent_call.error_details) == (
        CallState.ERROR,
        "NotSupported",
        {"x": 1},
    )


def test_a_dropped_connection_fails_its_outstanding_call(sent_call: OcppCall) -> None:
    failed = ocpp_calls_fail_for_connection(connection_id=sent_call.connection_id)
    assert [c.pk for c in failed] == [sent_call.pk]
    sent_call.refresh_from_db()
    assert sent_call.state == CallState.FAILED
    assert sent_call.failure_reason == "station_disconnected"


def test_the_sweep_times_out_only_overdue_calls(sent_call: OcppCall) -> None:
    assert ocpp_calls_expire_overdue() == []
    OcppCall.objects.filter(pk=sent_call.pk).update(
        deadline_at=timezone.now() - timedelta(seconds=60)
    )
    assert [c.pk for c in ocpp_calls_expire_overdue()] == [sent_call.pk]
    assert state(sent_call) == CallState.TIMED_OUT


def test_the_database_refuses_a_second_outstanding_call(sent_call: OcppCall) -> None:
    with pytest.raises(IntegrityError):
        OcppCall.objects.create(
            asset_id=sent_call.asset_id,
            protocol="ocpp2.0.1",
            message_id="m2",
            action="Reset",
            state=CallState.SENT,
        )


def test_an_answer_outside_the_response_schema_ends_the_call_invalid_response(
    sent_call: OcppCall,
) -> None:
    answered = ocpp_call_record_result(
        asset_id=sent_call.asset_id, message_id="m1", payload={"status": "Maybe"}
    )
    assert answered is not None and answered.invalid is not None
    sent_call.refresh_from_db()
    assert sent_call.state == CallState.INVALID_RESPONSE and sent_call.is_final
    assert sent_call.response_payload == {"status": "Maybe"}  # kept for the operator
    assert sent_call.error_code == "PropertyConstraintViolation"
    assert sent_call.error_details == {"field": "status", "keyword": "enum"}
    assert sent_call.error_description.startswith("status: 'Maybe' is not one of")


def test_nothing_moves_an_invalid_response_call(sent_call: OcppCall) -> None:
    ocpp_call_record_result(asset_id=sent_call.asset_id, message_id="m1", payload={})
    OcppCall.objects.filter(pk=sent_call.pk).update(deadline_at=timezone.now())
    assert not ocpp_call_expire(call_id=sent_call.pk)
    assert not ocpp_call_fail(call_id=sent_call.pk, reason="station_disconnected")
    assert not ocpp_call_record_result(
        asset_id=sent_call.asset_id, message_id="m1", payload={"status": "Accepted"}
    )
    assert state(sent_call) == CallState.INVALID_RESPONSE
