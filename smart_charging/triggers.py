"""When the load manager runs: the charger path only asks, after its transaction commits;
the re-balance itself runs on a Celery worker (the default queue), or, embedded, on one
background thread of this process (an eager task would run, and wait for stations, on the
charger path itself)."""

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction

from ocpp_bridge.station_fanout import EventData
from smart_charging.models import ChargingLimit, PanelStation, Purpose

logger = logging.getLogger(__name__)

_embedded = ThreadPoolExecutor(max_workers=1, thread_name_prefix="panel-rebalance")


def panel_rebalance_on_commit(*, panel_id: Any) -> None:
    transaction.on_commit(partial(panel_rebalance_request, panel_id))


def panel_rebalance_request(panel_id: Any) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _embedded.submit(_run_embedded, panel_id)
        return
    from smart_charging.tasks import rebalance_panel

    rebalance_panel.delay(str(panel_id))


def _run_embedded(panel_id: Any) -> None:
    from smart_charging.services import panel_rebalance

    try:
        panel_rebalance(panel_id=panel_id)
    except Exception:
        logger.exception("Re-balancing panel %s failed", panel_id)
    finally:
        close_old_connections()


def station_sessions_changed(*, asset_id: Any) -> None:
    """A session of the station started, ended or changed its charging state: re-balance its
    panel, if it has one, once the caller's transaction commits."""
    panel_id = PanelStation.objects.filter(asset_id=asset_id).values_list("panel_id", flat=True)
    for found in panel_id[:1]:
        panel_rebalance_on_commit(panel_id=found)


def station_booted(*, asset_id: Any) -> None:
    """The station booted (it holds none of our profiles): send its limits again once the
    boot is answered, then re-balance its panel (its sessions ended with the reboot)."""
    kept = ChargingLimit.objects.filter(asset_id=asset_id).exclude(purpose=Purpose.TX)
    if kept.exists():  # most stations have none: no task for them
        transaction.on_commit(partial(_limits_reapply_request, asset_id))
    station_sessions_changed(asset_id=asset_id)


def _limits_reapply_request(asset_id: Any, *, unconfirmed_only: bool = False) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _embedded.submit(_reapply_embedded, asset_id, unconfirmed_only)
        return
    from smart_charging.tasks import reapply_limits

    reapply_limits.delay(str(asset_id), unconfirmed_only)


def _reapply_embedded(asset_id: Any, unconfirmed_only: bool) -> None:
    from smart_charging.station_limits import (
        charging_limits_reapply,
        charging_limits_send_unconfirmed,
    )

    resend = charging_limits_send_unconfirmed if unconfirmed_only else charging_limits_reapply
    try:
        resend(asset_id=asset_id)
    except Exception:
        logger.exception("Re-applying the limits of %s failed", asset_id)
    finally:
        close_old_connections()


def station_connectivity_changed(data: EventData) -> None:
    """Subscribed to the station fan-out (published after commit): a station that went offline
    now counts at what it holds, one that came back is shared with again."""
    panel_id = PanelStation.objects.filter(asset_id=data["assetId"]).values_list(
        "panel_id", flat=True
    )
    for found in panel_id[:1]:
        panel_rebalance_request(found)
    kept = ChargingLimit.objects.filter(asset_id=data["assetId"]).exclude(purpose=Purpose.TX)
    if data.get("online") and kept.exists():
        _limits_reapply_request(data["assetId"], unconfirmed_only=True)
