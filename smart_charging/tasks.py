"""Celery tasks of smart charging: thin, each calls one service (default queue)."""

from celery import shared_task

from smart_charging.services import panel_rebalance, panels_rebalance_all
from smart_charging.station_limits import (
    charging_limits_reapply,
    charging_limits_send_unconfirmed,
)


@shared_task(ignore_result=True)
def rebalance_panel(panel_id: str) -> bool:
    return panel_rebalance(panel_id=panel_id)


@shared_task(ignore_result=True)
def reapply_limits(asset_id: str, unconfirmed_only: bool = False) -> int:
    """After a boot: every lasting limit; after a reconnect: those the station never took."""
    if unconfirmed_only:
        return charging_limits_send_unconfirmed(asset_id=asset_id)
    return charging_limits_reapply(asset_id=asset_id)


@shared_task(ignore_result=True)
def rebalance_all_panels() -> int:
    """Periodic (Celery beat): catches cars drawing less (or again more) than their share,
    and raises a lowering held back at the last re-balance."""
    return panels_rebalance_all()
