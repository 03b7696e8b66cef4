"""The charging-profile messages of each OCPP version, built from one limit. No Django.

A limit is one period from the start (what the load manager sends: a station that takes a
single period, the least any takes, takes every such profile), or an operator's schedule:
several periods, optionally recurring daily or weekly (smart_charging.schedules). A limit in
amperes per phase is sent in watts to a station that takes only watts
(P = A x phases x voltage).
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
    # An operator's schedule: (start second, A per phase) from 0; empty: limit_amps from 0.
    periods: tuple[tuple[int, float], ...] = ()
    recurrency: str = ""  # Daily / Weekly: the periods repeat from schedule_start
    schedule_start: str | None = None  # ISO time the periods count from (None: see _kind)


def schedule_limit(limit: ProfileLimit, amps: float | None = None) -> float:
    """`amps` (default: the limit's) in the station's rate unit, to one decimal (the schemas'
    multipleOf 0.1)."""
    amps = limit.limit_amps if amps is None else amps
    if limit.rate_unit == "W":
        return round(amps * limit.number_phases * limit.voltage, 1)
    return round(amps, 1)


def _periods(limit: ProfileLimit) -> list[dict[str, Any]]:
    periods = limit.periods or ((0, limit.limit_amps),)
    return [
        {"startPeriod": start, "limit": schedule_limit(limit, amps),
         "numberPhases": limit.number_phases}
        for start, amps in periods
    ]  # fmt: skip


def _kind(limit: ProfileLimit) -> str:
    # A recurring schedule repeats from its start; one with a start counts from it; else a
    # transaction's profiles count from its start, and the station's maximum from now on.
    if limit.recurrency:
        return "Recurring"
    if limit.schedule_start is not None or limit.purpose == "station_max":
        return "Absolute"
    return "Relative"


def _start(limit: ProfileLimit, now: str) -> str | None:
    """The schedule's startSchedule: its own, now for an Absolute one without, else none."""
    if _kind(limit) == "Relative":
        return None
    return limit.schedule_start or now


def set_profile_v16(limit: ProfileLimit, *, now: str) -> dict[str, Any]:
    """1.6 SetChargingProfile: connector 0 for the station's maximum."""
    profile: dict[str, Any] = {
        "chargingProfileId": limit.profile_id,
        "stackLevel": limit.stack_level,
        "chargingProfilePurpose": PURPOSE_NAMES_V16[limit.purpose],
        "chargingProfileKind": _kind(limit),
        "chargingSchedule": {
            "chargingRateUnit": limit.rate_unit,
            "chargingSchedulePeriod": _periods(limit),
        },
    }
    if limit.purpose == "tx":
        profile["transactionId"] = int(limit.transaction_id)
    if limit.recurrency:
        profile["recurrencyKind"] = limit.recurrency
    if (start := _start(limit, now)) is not None:
        profile["chargingSchedule"]["startSchedule"] = start
    return {"connectorId": limit.evse_id, "csChargingProfiles": profile}


def set_profile_v2(limit: ProfileLimit, *, now: str) -> dict[str, Any]:
    """2.0.1 / 2.1 SetChargingProfile: EVSE 0 for the station's maximum."""
    schedule: dict[str, Any] = {
        "id": limit.profile_id,
        "chargingRateUnit": limit.rate_unit,
        "chargingSchedulePeriod": _periods(limit),
    }
    if (start := _start(limit, now)) is not None:
        schedule["startSchedule"] = start
    profile: dict[str, Any] = {
        "id": limit.profile_id,
        "stackLevel": limit.stack_level,
        "chargingProfilePurpose": PURPOSE_NAMES_V2[limit.purpose],
        "chargingProfileKind": _kind(limit),
        "chargingSchedule": [schedule],
    }
    if limit.purpose == "tx":
        profile["transactionId"] = limit.transaction_id
    if limit.recurrency:
        profile["recurrencyKind"] = limit.recurrency
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


def get_profiles_payload(*, request_id: int, evse_id: int | None) -> dict[str, Any]:
    """2.0.1 / 2.1 GetChargingProfiles: every profile the station holds (on one EVSE, or on
    all when None), answered in ReportChargingProfiles frames carrying `request_id`."""
    payload: dict[str, Any] = {"requestId": request_id, "chargingProfile": {}}
    if evse_id is not None:
        payload["evseId"] = evse_id
    return payload
