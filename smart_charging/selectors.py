"""Reading panels and limits, behind the client's network wall (a panel is of its site's
network)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from api.errors import not_found
from api.identifiers import is_uuid
from assets.selectors import NetworkIds
from charging.models import ChargingSession, SessionStatus
from smart_charging.models import ChargingLimit, Panel, PanelStation, Purpose


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


@dataclass(frozen=True)
class SessionShareRow:
    """An active session under a panel and the limit its station was last given for it."""

    identity: str
    asset_id: Any
    online: bool
    evse_id: int | None
    transaction_id: str
    started_at: Any
    limit_amps: float | None
    status: str


def panel_session_shares(panel: Panel) -> list[SessionShareRow]:
    """The panel's own stations' active sessions, by arrival, with their limits."""
    stations = {s.asset_id: s for s in panel.stations.select_related("asset")}
    sessions = ChargingSession.objects.filter(
        asset_id__in=list(stations), status=SessionStatus.ACTIVE
    ).order_by("started_at", "pk")
    limits = {
        (limit.asset_id, limit.transaction_id): limit
        for limit in ChargingLimit.objects.filter(
            asset_id__in=list(stations), purpose=Purpose.TX
        ).select_related("call")
    }
    rows = []
    for session in sessions:
        asset = stations[session.asset_id].asset
        limit = limits.get((session.asset_id, session.transaction_id))
        rows.append(
            SessionShareRow(
                identity=asset.identity,
                asset_id=asset.pk,
                online=asset.is_online,
                evse_id=session.evse_id,
                transaction_id=session.transaction_id,
                started_at=session.started_at,
                limit_amps=limit.committed_amps if limit is not None else None,
                status=limit.outcome if limit is not None else "fallback",
            )
        )
    return rows


def station_charging_limits(asset_id: Any) -> list[ChargingLimit]:
    return charging_limits_of([asset_id]).get(asset_id, [])


def station_on_panel(*, asset_id: Any) -> bool:
    return PanelStation.objects.filter(asset_id=asset_id).exists()
