"""The charging-profile messages of each OCPP version, built from one limit. No Django.

One period from the start: the CSMS keeps a limit, not a timetable, so a station that takes
a single period (the least any takes) takes every profile sent. A limit in amperes per phase
is sent in watts to a station that takes only watts (P = A x phases x voltage).
"""

from dataclasses import dataclass
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion

PURPOSE_NAMES_V16 = {
    "station_max": "ChargePointMaxProfile",
    "tx_default": "TxDefaultProfile",
    "tx": "TxProfile",
}
PURPOSE_NAMES_V2 = {
    "station_max": "ChargingStationMaxProfile",
    "tx_default": "TxDefaultProfile",
    "tx": "TxProfile",
}


@dataclass(frozen=True)
class ProfileLimit:
    """One limit as a profile: the ids, what it applies to, and its value."""

    profile_id: int
    purpose: str  # station_max / tx_default / tx
    evse_id: int
    limit_amps: float
    number_phases: int = 3
    stack_level: int = 0
    transaction_id: str = ""
    rate_unit: str = "A"  # what the station takes: A, or W
    voltage: int = 230


def schedule_limit(limit: ProfileLimit) -> float:
    """The limit in the station's rate unit, to one decimal (the schemas' multipleOf 0.1)."""
    if limit.rate_unit == "W":
        return round(limit.limit_amps * limit.number_phases * limit.voltage, 1)
    return round(limit.limit_amps, 1)


def _period(limit: ProfileLimit) -> dict[str, Any]:
    return {"startPeriod": 0, "limit": schedule_limit(limit), "numberPhases": limit.number_phases}


def _kind(limit: ProfileLimit) -> str:
    # A transaction's profiles count from its start; the station's maximum from now on.
    return "Absolute" if limit.purpose == "station_max" else "Relative"


def set_profile_v16(limit: ProfileLimit, *, now: str) -> dict[str, Any]:
    """1.6 SetChargingProfile: connector 0 for the station's maximum."""
    profile: dict[str, Any] = {
        "chargingProfileId": limit.profile_id,
        "stackLevel": limit.stack_level,
        "chargingProfilePurpose": PURPOSE_NAMES_V16[limit.purpose],
        "chargingProfileKind": _kind(limit),
        "chargingSchedule": {
            "chargingRateUnit": limit.rate_unit,
            "chargingSchedulePeriod": [_period(limit)],
        },
    }
    if limit.purpose == "tx":
        profile["transactionId"] = int(limit.transaction_id)
    if _kind(limit) == "Absolute":
        profile["chargingSchedule"]["startSchedule"] = now
    return {"connectorId": limit.evse_id, "csChargingProfiles": profile}


def set_profile_v2(limit: ProfileLimit, *, now: str) -> dict[str, Any]:
    """2.0.1 / 2.1 SetChargingProfile: EVSE 0 for the station's maximum."""
    schedule: dict[str, Any] = {
        "id": limit.profile_id,
        "chargingRateUnit": limit.rate_unit,
        "chargingSchedulePeriod": [_period(limit)],
    }
    if _kind(limit) == "Absolute":
        schedule["startSchedule"] = now
    profile: dict[str, Any] = {
        "id": limit.profile_id,
        "stackLevel": limit.stack_level,
        "chargingProfilePurpose": PURPOSE_NAMES_V2[limit.purpose],
        "chargingProfileKind": _kind(limit),
        "chargingSchedule": [schedule],
    }
    if limit.purpose == "tx":
        profile["transactionId"] = limit.transaction_id
    return {"evseId": limit.evse_id, "chargingProfile": profile}


def set_profile_payload(version: OcppVersion, limit: ProfileLimit, *, now: str) -> dict[str, Any]:
    if version == OcppVersion.V16:
        return set_profile_v16(limit, now=now)
    return set_profile_v2(limit, now=now)


def clear_profile_payload(version: OcppVersion, profile_id: int) -> dict[str, Any]:
    if version == OcppVersion.V16:
        return {"id": profile_id}
    return {"chargingProfileId": profile_id}


def composite_schedule_payload(
    version: OcppVersion, *, evse_id: int, duration: int = 3600
) -> dict[str, Any]:
    if version == OcppVersion.V16:
        return {"connectorId": evse_id, "duration": duration}
    return {"evseId": evse_id, "duration": duration}
