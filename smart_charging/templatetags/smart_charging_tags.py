"""The station page's charging limits, rendered where the page asks for them (the web UI
needs no import of this app)."""

from typing import Any

from django import template

from smart_charging.selectors import station_charging_limits

register = template.Library()


@register.inclusion_tag("ui/station/_limits_table.html")
def station_limits(station: Any) -> dict[str, Any]:
    return {"limits": station_charging_limits(station.pk)}
