"""The API's representation of a charging session."""

from decimal import Decimal
from typing import Any

from charging.models import ChargingSession
from charging.selectors import session_duration_seconds
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.models import OcppCall


def number(value: Decimal | None) -> int | float | None:
    """A decimal as a JSON number: whole values as integers (energy in Wh usually is)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def session_data(session: ChargingSession) -> dict[str, Any]:
    return {
        "id": str(session.pk),
        "ocppTransactionId": session.transaction_id,
        "asset": {"id": str(session.asset_id), "ocppIdentity": session.asset.identity},
        "evseId": session.evse_id,
        "connectorId": session.connector_id,
        "idToken": session.id_token or None,
        "status": session.status,
        "startedAt": iso(session.started_at),
        "stoppedAt": iso(session.stopped_at),
        "durationSeconds": session_duration_seconds(session),
        "meterStartWh": number(session.meter_start_wh),
        "meterStopWh": number(session.meter_stop_wh),
        "energyWh": number(session.energy_wh),
        "meterAnomaly": session.meter_anomaly,
        "stopReason": session.stop_reason or None,
        "rate": rate_data(session),
        "cost": cost_data(session),
        "updatedAt": iso(session.updated_at),
    }


def rate_data(session: ChargingSession) -> dict[str, Any] | None:
    """The prices copied from the asset's rate when the session started."""
    if not session.has_rate:
        return None
    return {
        "id": str(session.rate_id) if session.rate_id else None,
        "name": session.rate.name if session.rate else None,
        "currency": session.currency,
        "pricePerKwh": number(session.price_per_kwh),
        "pricePerHour": number(session.price_per_hour),
        "flatFee": number(session.flat_fee),
        "idleFeePerMinute": number(session.idle_fee_per_minute),
    }


def cost_data(session: ChargingSession) -> dict[str, Any] | None:
    if not session.has_rate or session.cost_amount is None:
        return None
    return {"amount": number(session.cost_amount), "currency": session.currency}


def stop_request_data(call: OcppCall | None) -> dict[str, Any] | None:
    if call is None:
        return None
    return {"ocppMessageId": call.message_id, "action": call.action, "state": call.state}
