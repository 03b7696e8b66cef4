"""Panels and limits as the API shows them."""

from typing import Any

from ocpp_bridge.api.presenters import iso
from smart_charging.models import ChargingLimit, Panel, PanelStation
from smart_charging.selectors import charging_limits_of


def charging_limit_present(limit: ChargingLimit) -> dict[str, Any]:
    call = limit.call
    return {
        "id": limit.pk,
        "evseId": limit.evse_id,
        "purpose": limit.purpose,
        "transactionId": limit.transaction_id or None,
        "limitAmps": limit.limit_amps,
        "numberPhases": limit.number_phases,
        "source": limit.source,
        # Accepted / Rejected (the station's answer), queued, sent, not_sent (offline: goes
        # at its next boot), or the call's failure (timed_out, failed, error...).
        "status": limit.outcome,
        "ocppMessageId": call.message_id if call is not None else None,
        "updatedAt": iso(limit.updated_at),
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
