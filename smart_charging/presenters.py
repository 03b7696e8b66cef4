"""Panels and limits as the API shows them."""

from typing import Any

from ocpp_bridge.api.presenters import iso
from smart_charging.installed_profiles import InstalledCheck
from smart_charging.models import ChargingLimit, Panel, PanelStation, ReportedChargingProfile
from smart_charging.selectors import charging_limits_of


def charging_limit_present(limit: ChargingLimit) -> dict[str, Any]:
    call = limit.call
    return {
        "id": limit.pk,
        "evseId": limit.evse_id,
        "purpose": limit.purpose,
        "transactionId": limit.transaction_id or None,
        # A schedule's peak: the most it allows in any period (what a panel counts it at).
        "limitAmps": limit.limit_amps,
        "periods": limit.periods or None,
        "recurrency": limit.recurrency or None,
        "scheduleStart": iso(limit.schedule_start),
        "numberPhases": limit.number_phases,
        "source": limit.source,
        # Accepted / Rejected (the station's answer), queued, sent, not_sent (offline: goes
        # at its next boot), or the call's failure (timed_out, failed, error...).
        "status": limit.outcome,
        "ocppMessageId": call.message_id if call is not None else None,
        "updatedAt": iso(limit.updated_at),
    }


V16_NOTE = (
    "OCPP 1.6 has no GetChargingProfiles: the station's composite schedule (what it applies "
    "from its profiles together) is shown instead, and no limit can be confirmed one by one."
)


def installed_present(
    *,
    limits: list[ChargingLimit],
    composite: dict[str, Any] | None = None,
    check: InstalledCheck | None = None,
) -> dict[str, Any]:
    """GET .../charging-limits/installed: the 2.x check of each limit, or 1.6's composite."""
    if check is None:
        return {
            "method": "GetCompositeSchedule",
            "note": V16_NOTE,
            "composite": composite,
            "limits": [{**charging_limit_present(limit), "installed": None} for limit in limits],
        }
    return {
        "method": "GetChargingProfiles",
        "requestId": check.request_id,
        # Accepted (reports follow) or NoProfiles; complete: the last report arrived in time.
        "status": check.status,
        "complete": check.complete,
        "ocppMessageId": check.call.message_id,
        "limits": [
            {**charging_limit_present(c.limit), "installed": c.installed} for c in check.checks
        ],
        "unknownProfiles": [_reported_present(row) for row in check.unknown],
    }


def _reported_present(row: ReportedChargingProfile) -> dict[str, Any]:
    return {
        "evseId": row.evse_id,
        "chargingLimitSource": row.charging_limit_source,
        "profile": row.profile,
    }


def _station_present(station: PanelStation, limits: list[ChargingLimit]) -> dict[str, Any]:
    return {
        "assetId": str(station.asset_id),
        "chargingStationId": station.asset.identity,
        "online": station.asset.is_online,
        "phaseWiring": station.phase_wiring,
        "maxAmps": station.max_amps,
        "priority": station.priority,
        "fallbackAmps": station.fallback_amps,
        "limits": [charging_limit_present(limit) for limit in limits],
    }


def panel_present(panel: Panel) -> dict[str, Any]:
    stations = list(panel.stations.all())
    limits = charging_limits_of([s.asset_id for s in stations])
    return {
        "id": str(panel.pk),
        "name": panel.name,
        "assetGroupId": str(panel.asset_group_id),
        "networkId": str(panel.asset_group.network_id),
        "parentPanelId": str(panel.parent_id) if panel.parent_id else None,
        "capacity": panel.capacity,
        "capacityUnit": panel.capacity_unit,
        "phases": panel.phases,
        "voltage": panel.voltage,
        "capacityAmpsPerPhase": round(panel.amps_per_phase, 1),
        "stations": [_station_present(s, limits.get(s.asset_id, [])) for s in stations],
        "createdAt": iso(panel.created_at),
        "updatedAt": iso(panel.updated_at),
    }
