"""ISO 15118 charging needs (2.0.1 K15-K17, 2.1): a car's needs bound its share of a panel,
and the schedule it proposes is accepted only within the limit its session holds.

Called from the charger handlers inside the message's transaction.
"""

from typing import Any

from django.utils.dateparse import parse_datetime

from charging.models import ChargingSession, SessionStatus
from smart_charging.models import ChargingLimit, EvChargingNeeds, PanelStation, Purpose
from smart_charging.triggers import station_sessions_changed

# A proposed schedule may exceed the session's limit by this (A) before it is refused: limits
# go out rounded to 0.1 A.
TOLERANCE = 0.05


def _active_session(asset_id: Any, evse_id: int) -> ChargingSession | None:
    sessions = ChargingSession.objects.filter(
        asset_id=asset_id, evse_id=evse_id, status=SessionStatus.ACTIVE
    )
    return sessions.order_by("-started_at", "-pk").first()


def ev_charging_needs_record(*, asset_id: Any, evse_id: int, needs: dict[str, Any]) -> str:
    """Keep the car's needs for its session; Accepted when its panel's load manager will send
    it a TxProfile within its share (the station's re-balance follows), Rejected when the
    session is unknown or the station is on no panel (it charges by its own defaults)."""
    session = _active_session(asset_id, evse_id)
    if session is None:
        return "Rejected"
    ac = needs.get("acChargingParameters") or {}
    departure = needs.get("departureTime")
    EvChargingNeeds.objects.update_or_create(
        session=session,
        defaults={
            "requested_energy_transfer": needs.get("requestedEnergyTransfer", ""),
            "ev_max_amps": ac.get("evMaxCurrent"),
            "ev_min_amps": ac.get("evMinCurrent"),
            "energy_amount_wh": ac.get("energyAmount"),
            "departure_time": parse_datetime(departure) if departure else None,
            "needs": needs,
        },
    )
    if not PanelStation.objects.filter(asset_id=asset_id).exists():
        return "Rejected"
    station_sessions_changed(asset_id=asset_id)  # its share is sent as a TxProfile
    return "Accepted"


def ev_charging_schedule_check(
    *, asset_id: Any, evse_id: int, schedule: dict[str, Any], phases: int = 3
) -> str:
    """Accepted when every period of the car's proposed schedule stays within the limit its
    session holds (in A per phase; W over the phases at 230 V), else Rejected."""
    session = _active_session(asset_id, evse_id)
    limit = None
    if session is not None:
        limit = ChargingLimit.objects.filter(
            asset_id=asset_id, purpose=Purpose.TX, transaction_id=session.transaction_id
        ).first()
    held = limit.committed_amps if limit is not None else None
    if held is None:
        return "Accepted"  # nothing of ours bounds it
    watts = schedule.get("chargingRateUnit") == "W"
    for period in schedule.get("chargingSchedulePeriod", []):
        amps = float(period.get("limit", 0))
        if watts:
            amps /= 230 * (period.get("numberPhases") or phases)
        if amps > held + TOLERANCE:
            return "Rejected"
    return "Accepted"
