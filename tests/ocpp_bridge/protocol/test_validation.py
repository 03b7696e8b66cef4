"""Payloads are checked against the official schemas; each violation names its field and code."""

import pytest

from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.validation import UnknownActionError, validate_payload
from ocpp_bridge.protocol.versions import (
    CHARGER_INITIATED,
    OcppVersion,
    all_actions,
    csms_initiated,
)

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}


def violation(version: OcppVersion, action: str, payload: dict) -> OcppError:
    with pytest.raises(OcppError) as raised:
        validate_payload(version, action, payload)
    return raised.value


def test_a_valid_payload_passes() -> None:
    validate_payload(OcppVersion.V201, "BootNotification", BOOT)


def test_missing_field_is_an_occurrence_violation_naming_the_field() -> None:
    error = violation(OcppVersion.V201, "BootNotification", {"reason": "PowerUp"})
    assert error.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    assert error.details["field"] == "chargingStation"


def test_wrong_type_is_a_type_violation() -> None:
    payload = {**BOOT, "chargingStation": {"model": 7, "vendorName": "V"}}
    error = violation(OcppVersion.V201, "BootNotification", payload)
    assert error.code is ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert error.details["field"] == "chargingStation.model"


def test_value_outside_the_enum_is_a_property_violation() -> None:
    error = violation(OcppVersion.V21, "BootNotification", {**BOOT, "reason": "Bored"})
    assert error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert error.details["field"] == "reason"


def test_too_long_string_is_a_type_violation_in_1_6() -> None:
    payload = {"chargePointVendor": "V" * 21, "chargePointModel": "M"}
    error = violation(OcppVersion.V16, "BootNotification", payload)
    assert error.code is ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert error.details["field"] == "chargePointVendor"


def test_unknown_property_is_a_format_violation() -> None:
    error = violation(OcppVersion.V201, "Heartbeat", {"surprise": True})
    assert error.code is ErrorCode.FORMAT_VIOLATION


def test_decimal_precision_of_1_6_charging_profiles_is_not_a_false_violation() -> None:
    profile = {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}],
            },
        },
    }
    validate_payload(OcppVersion.V16, "SetChargingProfile", profile)


def test_unknown_action_is_reported_as_such() -> None:
    with pytest.raises(UnknownActionError):
        validate_payload(OcppVersion.V16, "TransactionEvent", {})


@pytest.mark.parametrize("version", list(OcppVersion))
def test_action_directions_cover_every_schema(version: OcppVersion) -> None:
    charger = CHARGER_INITIATED[version]
    assert charger <= all_actions(version)
    assert charger | csms_initiated(version) == all_actions(version)
    assert "DataTransfer" in charger & csms_initiated(version)


def test_the_2_1_send_message_has_a_schema() -> None:
    error = violation(OcppVersion.V21, "NotifyPeriodicEventStream", {})
    assert error.code is ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION


def test_the_2_1_send_message_has_no_response_schema() -> None:
    # Its request schema once stood in for a response, failing every SEND's (empty) answer.
    with pytest.raises(UnknownActionError):
        validate_payload(OcppVersion.V21, "NotifyPeriodicEventStream", {}, response=True)
