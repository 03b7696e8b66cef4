"""Each version's SetChargingProfile (one value, or an operator's schedule) /
ClearChargingProfile / GetCompositeSchedule / GetChargingProfiles, checked against the official
schemas of the `ocpp` package."""

import pytest

from ocpp_bridge.protocol.validation import validate_payload
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.profile_messages import (
    ProfileLimit,
    clear_profile_payload,
    composite_schedule_payload,
    get_profiles_payload,
    set_profile_payload,
)

NOW = "2026-12-06T20:00:00Z"
VERSIONS = list(OcppVersion)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("purpose", ["station_max", "tx_default", "tx"])
def test_every_purpose_is_a_valid_request(version: OcppVersion, purpose: str) -> None:
    limit = ProfileLimit(
        profile_id=7, purpose=purpose, evse_id=0 if purpose == "station_max" else 1,
        limit_amps=12.34, transaction_id="42" if purpose == "tx" else "",
    )  # fmt: skip
    validate_payload(version, "SetChargingProfile", set_profile_payload(version, limit, now=NOW))
    validate_payload(version, "ClearChargingProfile", clear_profile_payload(version, 7))
    composite = composite_schedule_payload(version, evse_id=1)
    validate_payload(version, "GetCompositeSchedule", composite)


def test_the_purposes_have_each_versions_names() -> None:
    limit = ProfileLimit(profile_id=1, purpose="station_max", evse_id=0, limit_amps=16)
    v16 = set_profile_payload(OcppVersion.V16, limit, now=NOW)
    v2 = set_profile_payload(OcppVersion.V201, limit, now=NOW)
    assert v16["csChargingProfiles"]["chargingProfilePurpose"] == "ChargePointMaxProfile"
    assert v2["chargingProfile"]["chargingProfilePurpose"] == "ChargingStationMaxProfile"


def test_a_station_taking_only_watts_gets_watts() -> None:
    limit = ProfileLimit(
        profile_id=1, purpose="tx_default", evse_id=1, limit_amps=10, rate_unit="W"
    )
    schedule = set_profile_payload(OcppVersion.V21, limit, now=NOW)["chargingProfile"]
    assert schedule["chargingSchedule"][0]["chargingRateUnit"] == "W"
    assert schedule["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 6900.0


EVENING = ((0, 32.0), (61_200, 16.0), (75_600, 32.0))  # 16 A from 17:00 to 21:00, else 32 A
MIDNIGHT = "2026-12-06T00:00:00Z"


def daily(purpose: str, rate_unit: str = "A") -> ProfileLimit:
    return ProfileLimit(
        profile_id=9, purpose=purpose, evse_id=0, limit_amps=32, periods=EVENING,
        recurrency="Daily", schedule_start=MIDNIGHT, rate_unit=rate_unit,
    )  # fmt: skip


@pytest.mark.parametrize("purpose", ["station_max", "tx_default"])
def test_a_daily_schedule_is_recurring_in_1_6(purpose: str) -> None:
    payload = set_profile_payload(OcppVersion.V16, daily(purpose), now=NOW)
    validate_payload(OcppVersion.V16, "SetChargingProfile", payload)
    profile = payload["csChargingProfiles"]
    assert profile["chargingProfileKind"] == "Recurring"
    assert profile["recurrencyKind"] == "Daily"
    assert profile["chargingSchedule"]["startSchedule"] == MIDNIGHT
    periods = profile["chargingSchedule"]["chargingSchedulePeriod"]
    assert [(p["startPeriod"], p["limit"]) for p in periods] == list(EVENING)


@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21])
@pytest.mark.parametrize("purpose", ["station_max", "tx_default"])
def test_a_daily_schedule_is_recurring_in_2_x(version: OcppVersion, purpose: str) -> None:
    payload = set_profile_payload(version, daily(purpose), now=NOW)
    validate_payload(version, "SetChargingProfile", payload)
    profile = payload["chargingProfile"]
    assert profile["chargingProfileKind"] == "Recurring"
    assert profile["recurrencyKind"] == "Daily"
    schedule = profile["chargingSchedule"][0]
    assert schedule["startSchedule"] == MIDNIGHT
    assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]] == list(
        EVENING
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_each_period_of_a_schedule_goes_in_watts_to_a_station_taking_only_watts(
    version: OcppVersion,
) -> None:
    payload = set_profile_payload(version, daily("tx_default", rate_unit="W"), now=NOW)
    validate_payload(version, "SetChargingProfile", payload)
    profile = payload.get("chargingProfile") or payload["csChargingProfiles"]
    schedule = profile["chargingSchedule"]
    schedule = schedule[0] if isinstance(schedule, list) else schedule
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [22080.0, 11040.0, 22080.0]


def test_a_tx_default_schedule_without_a_start_counts_from_each_transaction() -> None:
    limit = ProfileLimit(
        profile_id=3, purpose="tx_default", evse_id=1, limit_amps=20, periods=((0, 20), (600, 10))
    )
    profile = set_profile_payload(OcppVersion.V201, limit, now=NOW)["chargingProfile"]
    assert profile["chargingProfileKind"] == "Relative"
    assert "startSchedule" not in profile["chargingSchedule"][0]


def test_a_single_value_limit_is_still_one_period_from_now() -> None:
    limit = ProfileLimit(profile_id=1, purpose="station_max", evse_id=0, limit_amps=16)
    profile = set_profile_payload(OcppVersion.V16, limit, now=NOW)["csChargingProfiles"]
    assert profile["chargingProfileKind"] == "Absolute" and "recurrencyKind" not in profile
    assert profile["chargingSchedule"]["startSchedule"] == NOW
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0, "numberPhases": 3}
    ]


@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21])
@pytest.mark.parametrize("evse_id", [None, 0, 2])
def test_get_charging_profiles_is_valid(version: OcppVersion, evse_id: int | None) -> None:
    payload = get_profiles_payload(request_id=12, evse_id=evse_id)
    validate_payload(version, "GetChargingProfiles", payload)
    assert payload["requestId"] == 12 and payload.get("evseId") == evse_id
