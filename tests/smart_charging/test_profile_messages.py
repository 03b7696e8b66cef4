"""Each version's SetChargingProfile / ClearChargingProfile / GetCompositeSchedule, checked
against the official schemas of the `ocpp` package."""

import pytest

from ocpp_bridge.protocol.validation import validate_payload
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.profile_messages import (
    ProfileLimit,
    clear_profile_payload,
    composite_schedule_payload,
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
