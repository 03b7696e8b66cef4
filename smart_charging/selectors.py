"""Reading panels and limits, behind the client's network wall (a panel is of its site's
network)."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from api.errors import not_found
from api.identifiers import is_uuid
from assets.selectors import NetworkIds
from smart_charging.models import ChargingLimit, Panel, PanelStation


def panels_visible(*, network_ids: NetworkIds, asset_group_id: Any = None) -> QuerySet[Panel]:
    stations = PanelStation.objects.select_related("asset").order_by("created_at", "pk")
    panels = Panel.objects.select_related("asset_group").prefetch_related(
        Prefetch("stations", queryset=stations)
    )
    if asset_group_id is not None:
        panels = panels.filter(asset_group_id=asset_group_id)
    if network_ids is None:
        return panels
    return panels.filter(asset_group__network_id__in=network_ids)


def panel_visible_get(*, panel_id: str, network_ids: NetworkIds) -> Panel:
    found = (
        panels_visible(network_ids=network_ids).filter(pk=panel_id).first()
        if is_uuid(panel_id)
        else None
    )
    if found is None:
        raise not_found("panel", panel_id)
    return found


def charging_limits_of(asset_ids: list[Any]) -> dict[Any, list[ChargingLimit]]:
    """Each station's limits with the call that last sent them (its outcome)."""
    found: dict[Any, list[ChargingLimit]] = {}
    rows = ChargingLimit.objects.filter(asset_id__in=asset_ids).select_related("call")
    for row in rows.order_by("evse_id", "purpose", "transaction_id"):
        found.setdefault(row.asset_id, []).append(row)
    return found
