"""What a station says it takes in its charging profiles, from its configuration (1.6) or its
device model (2.x): its rate unit (amperes where it never said) and how many periods a
schedule may have (no limit known where it never said)."""

from typing import Any

from assets.models import StationVariable
from assets.station_reports import V16_CONFIGURATION_COMPONENT
from ocpp_bridge.protocol.versions import OcppVersion

RATE_UNIT_KEY_V16 = "ChargingScheduleAllowedChargingRateUnit"
MAX_PERIODS_KEY_V16 = "ChargingScheduleMaxPeriods"


def units_said(value: str) -> str | None:
    """A (amperes) when the station's list of units allows current, W when only power."""
    units = {part.strip() for part in value.replace(";", ",").split(",") if part.strip()}
    if units & {"A", "Current"}:
        return "A"
    if units & {"W", "Power"}:
        return "W"
    return None


def station_rate_unit(*, asset_id: Any, version: OcppVersion) -> str:
    """The charging rate unit to send the station: A unless it said it takes only W."""
    if version == OcppVersion.V16:
        said = _v16_configuration_value(asset_id, RATE_UNIT_KEY_V16)
    else:
        said = _v2_variable(asset_id, "RateUnit")
    return (units_said(said) if said else None) or "A"


def station_max_periods(*, asset_id: Any, version: OcppVersion) -> int | None:
    """The most periods the station takes in one schedule, or None when it never said (its
    configuration or device model not read yet). None is no limit known, not "unlimited":
    the schedule is sent, and a station that takes fewer answers Rejected, which the operator
    sees as the limit's status. Refusing every schedule of more than one period until the
    station has been asked would surprise a vendor more: 1.6 makes the key mandatory for
    stations with Smart Charging, so most say it at the first GetConfiguration."""
    if version == OcppVersion.V16:
        said = _v16_configuration_value(asset_id, MAX_PERIODS_KEY_V16)
    else:
        said = _v2_variable(asset_id, "PeriodsPerSchedule")
    try:
        return int(said) if said else None
    except ValueError:  # a station saying nonsense said nothing usable
        return None


def _v2_variable(asset_id: Any, variable: str) -> str | None:
    return (
        StationVariable.objects.filter(
            asset_id=asset_id, component="SmartChargingCtrlr", variable=variable
        )
        .values_list("value", flat=True)
        .first()
    )


def _v16_configuration_value(asset_id: Any, key: str) -> str | None:
    """The key's value in the station's configuration as its last GetConfiguration answer
    gave it (kept by ocpp_bridge.charger.incoming.configuration_answer)."""
    return (
        StationVariable.objects.filter(
            asset_id=asset_id, component=V16_CONFIGURATION_COMPONENT, variable=key
        )
        .values_list("value", flat=True)
        .first()
    )
