"""Small display helpers for the web UI's templates."""

import json
from decimal import Decimal
from typing import Any

from django import template

register = template.Library()

MESSAGE_TYPES = {2: "CALL", 3: "CALL_RESULT", 4: "CALL_ERROR", 5: "CALL_RESULT_ERROR", 6: "SEND"}


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def kwh(wh: Decimal | None) -> str:
    return "\N{EN DASH}" if wh is None else f"{Decimal(wh) / 1000:.2f} kWh"


@register.filter
def message_type_name(message_type: int | None) -> str:
    return MESSAGE_TYPES.get(message_type or 0, "UNREADABLE")


@register.filter
def connector_label(connector: Any) -> str:
    """#2 for OCPP 1.6 connector 2 (EVSE 2, connector 1); #1.2 for EVSE 1's second connector."""
    if connector.connector_id == 1:
        return f"#{connector.evse_id}"
    return f"#{connector.evse_id}.{connector.connector_id}"


@register.filter
def percent(ratio: float | None) -> str:
    """0.9731 -> 97.3 %; an en dash when nothing is known (None, or nothing at all)."""
    if not isinstance(ratio, int | float):
        return "\N{EN DASH}"
    return f"{ratio * 100:.1f} %"


@register.filter
def width_percent(ratio: float | None) -> str:
    """For a bar's CSS width: 0-100, with a dot as the decimal separator whatever the locale."""
    if not isinstance(ratio, int | float):
        return "0"
    return f"{max(0.0, min(ratio, 1.0)) * 100:.1f}"
