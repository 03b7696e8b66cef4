"""Panels: created and changed by operators, stations attached, and re-balanced."""

from typing import Any

from django.db import transaction

from assets.models import Asset, AssetGroup
from charging.models import ChargingSession, SessionStatus
from smart_charging.limit_rollout import plan_roll_out
from smart_charging.load_manager import panel_plan
from smart_charging.models import ChargingLimit, LimitSource, Panel, PanelStation, Purpose
from smart_charging.panel_tree import panel_root, panel_tree
from smart_charging.rebalance_lease import with_panel_lease
from smart_charging.snapshots import panel_snapshots_record
from smart_charging.station_limits import (
    charging_limit_remove,
    charging_limit_set,
    charging_limits_stale_delete,
)
from smart_charging.triggers import panel_rebalance_on_commit


def panel_rebalance(*, panel_id: Any) -> bool:
    """Share the capacity of the panel's tree (from its topmost panel) among its sessions
    now and bring the stations to it; False when a re-balance of this tree is under way
    elsewhere (it runs again for this one). Outside any transaction: it waits for the
    stations' answers to lowered limits. A panel deleted meanwhile has nothing to share: False."""
    try:
        root_id = panel_root(panel_id).pk
    except Panel.DoesNotExist:
        return False
    return with_panel_lease(root_id, _rebalance_once)


def _rebalance_once(root_id: Any) -> None:
    root = Panel.objects.filter(pk=root_id).first()
    if root is None:  # deleted between the lease and the run
        return
    tree = panel_tree(root)
    for station in PanelStation.objects.filter(panel_id__in=tree):
        running = ChargingSession.objects.filter(
            asset_id=station.asset_id, status=SessionStatus.ACTIVE
        )
        charging_limits_stale_delete(
            asset_id=station.asset_id,
            active_transaction_ids=set(running.values_list("transaction_id", flat=True)),
        )
    plan = panel_plan(root)
    plan_roll_out(plan)
    panel_snapshots_record(plan)


def panel_create(
    *,
    asset_group: AssetGroup,
    name: str,
    capacity: float,
    capacity_unit: str = "A",
    phases: int = 3,
    voltage: int = 230,
    parent: Panel | None = None,
) -> Panel:
    return Panel.objects.create(
        asset_group=asset_group,
        name=name,
        capacity=capacity,
        capacity_unit=capacity_unit,
        phases=phases,
        voltage=voltage,
        parent=parent,
    )


def panel_update(*, panel: Panel, **fields: Any) -> Panel:
    """Change the panel; a changed capacity is shared out again at once."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(panel, name, value)
        panel.save()
        panel_rebalance_on_commit(panel_id=panel.pk)
    return panel


def panel_station_attach(
    *,
    panel: Panel,
    asset: Asset,
    phase_wiring: str = "L1L2L3",
    max_amps: float = 32.0,
    priority: int = 0,
    fallback_amps: float = 0.0,
) -> PanelStation:
    """Attach (or re-attach with new settings) a station; its fallback becomes the TxDefault
    of each of its EVSEs (EVSE 0: all of them), what it draws when the CSMS is not heard."""
    with transaction.atomic():
        moved_from = PanelStation.objects.filter(asset=asset).exclude(panel=panel)
        for old_panel_id in moved_from.values_list("panel_id", flat=True):
            panel_rebalance_on_commit(panel_id=old_panel_id)  # what it held there is free
        station, _ = PanelStation.objects.update_or_create(
            asset=asset,
            defaults={
                "panel": panel,
                "phase_wiring": phase_wiring,
                "max_amps": max_amps,
                "priority": priority,
                "fallback_amps": fallback_amps,
            },
        )
        panel_rebalance_on_commit(panel_id=panel.pk)
    charging_limit_set(
        asset=asset,
        purpose=Purpose.TX_DEFAULT,
        limit_amps=fallback_amps,
        evse_id=0,
        number_phases=len(station.phases),
        source=LimitSource.FALLBACK,
    )
    return station


def panel_station_detach(*, station: PanelStation) -> None:
    """Detach the station: its panel shares out again, and the fallback it held as its
    TxDefault is cleared from it (it charges by its own defaults again)."""
    panel_id = station.panel_id
    with transaction.atomic():
        station.delete()
        panel_rebalance_on_commit(panel_id=panel_id)
    fallbacks = ChargingLimit.objects.filter(asset_id=station.asset_id, source=LimitSource.FALLBACK)
    for limit in fallbacks.select_related("asset"):
        charging_limit_remove(limit=limit)


def panels_rebalance_all() -> int:
    """Ask a re-balance of every panel with a station (run periodically)."""
    from smart_charging.triggers import panel_rebalance_request

    panel_ids = Panel.objects.filter(stations__isnull=False).values_list("pk", flat=True)
    count = 0
    for panel_id in panel_ids.distinct():
        panel_rebalance_request(panel_id)
        count += 1
    return count
