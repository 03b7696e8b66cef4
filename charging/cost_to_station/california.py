"""The 1.6 California pricing messages, as the OCA note "OCPP & California Pricing
Requirements" defines them: what a station advertises, and the DataTransfer data of the
running and final cost. Pure: no database."""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from charging.lifecycle import last_known_reading
from charging.models import ChargingSession
from ocpp_bridge.api.presenters import iso
from rates.display import charging_price

VENDOR_ID = "org.openchargealliance.costmsg"
RUNNING_COST = "RunningCost"
FINAL_COST = "FinalCost"
# The read-only configuration key a station sets true when it shows these messages.
SUPPORT_KEY = "CustomDisplayCostAndPrice"


def support_said(answer: Any) -> bool | None:
    """What a GetConfiguration answer says of SUPPORT_KEY: True / False, or None when it says
    nothing of it. Stations' answers are taken as they come, so any shape is read safely."""
    if not isinstance(answer, dict):
        return None
    for entry in answer.get("configurationKey") or []:
        if isinstance(entry, dict) and entry.get("key") == SUPPORT_KEY:
            return str(entry.get("value", "")).strip().lower() == "true"
    unknown = answer.get("unknownKey") or []
    return False if isinstance(unknown, list) and SUPPORT_KEY in unknown else None


def running_cost_transfer(session: ChargingSession) -> dict[str, Any]:
    """RunningCost for a running session, at its latest reading. No idlePrice: 1.6 reports no
    charging state, so no idle time is billed; no nextPeriod: a rate has one price all day."""
    data = {
        **_cost(session, at=session.last_seen_at or session.started_at),
        "state": "Charging",
        "chargingPrice": charging_price(
            per_kwh=session.price_per_kwh,
            per_hour=session.price_per_hour,
            flat_fee=session.flat_fee,
        ),
    }
    return _transfer(RUNNING_COST, data)


def final_cost_transfer(session: ChargingSession) -> dict[str, Any]:
    """FinalCost for a session the station stopped."""
    return _transfer(FINAL_COST, _cost(session, at=session.stopped_at))


def _cost(session: ChargingSession, *, at: datetime | None) -> dict[str, Any]:
    reading = last_known_reading(session) or Decimal(0)
    cost = session.cost_amount or Decimal(0)
    kwh = (session.energy_wh or Decimal(0)) / 1000
    return {
        "transactionId": int(session.transaction_id),
        "timestamp": iso(at or session.updated_at),
        "meterValue": int(reading),
        "cost": float(cost),
        # The messages carry no currency: the text shows the rate's.
        "priceText": f"{cost:.2f} {session.currency}, {kwh:.3f} kWh",
    }


def _transfer(message_id: str, data: dict[str, Any]) -> dict[str, Any]:
    # 1.6 DataTransfer data is a string: the note's JSON object, serialised.
    text = json.dumps(data, separators=(",", ":"))
    return {"vendorId": VENDOR_ID, "messageId": message_id, "data": text}
