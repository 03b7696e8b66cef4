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

from charging.meter_values import Sample
from ocpp_bridge.station_fanout import EventData
from smart_charging.car_draw import (
    POWER,
    draw_changes_share,
    drawn_amps,
    power_watts,
    total_power,
)
from smart_charging.load_manager import settle
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


def station_sessions_changed(*, asset_id: Any) -> bool:
    """A session of the station started, ended or changed its charging state: re-balance its
    panel, if it has one, once the caller's transaction commits. True when it has one."""
    panel_id = PanelStation.objects.filter(asset_id=asset_id).values_list("panel_id", flat=True)
    for found in panel_id[:1]:
        panel_rebalance_on_commit(panel_id=found)
        return True
    return False


def station_booted(*, asset_id: Any) -> bool:
    """The station booted (it holds none of our profiles): send its limits again once the
    boot is answered, then re-balance its panel (its sessions ended with the reboot). True
    when it is on a panel."""
    kept = ChargingLimit.objects.filter(asset_id=asset_id).exclude(purpose=Purpose.TX)
    if kept.exists():  # most stations have none: no task for them
        transaction.on_commit(partial(_limits_reapply_request, asset_id))
    return station_sessions_changed(asset_id=asset_id)


# A session's limit, when its call was answered, and its station's panel, wiring and voltage.
_LIMIT_AND_PANEL = (
    "limit_amps",
    "car_wants_amps",
    "call__completed_at",
    "asset__panel_station__panel_id",
    "asset__panel_station__phase_wiring",
    "asset__panel_station__panel__voltage",
)


def session_power_read(*, asset_id: Any, transaction_id: str, samples: list[Sample]) -> bool:
    """A power reading of a session was stored: ask its panel's re-balance after commit when
    the reading would likely move the car's limit (it draws well under it, or it was capped
    at its draw and now wants more: smart_charging.car_draw). True when asked.

    One query, for the session's limit with its call and its panel. The charger handlers call
    this only for stations on a panel, at most once per settle() per session
    (ocpp_bridge.charger.handlers.common.power_reading_stored)."""
    readings = [s for s in samples if s.measurand == POWER]
    if not readings:
        return False
    row = (
        ChargingLimit.objects.filter(
            asset_id=asset_id, purpose=Purpose.TX, transaction_id=transaction_id
        )
        .values_list(*_LIMIT_AND_PANEL)
        .first()
    )
    if row is None:
        return False
    limit_amps, capped_at, taken_at, panel_id, wiring, voltage = row
    if taken_at is None or panel_id is None:
        return False  # its limit not taken yet (the start's re-balance gives one), no panel
    newest = max(s.sampled_at for s in readings)
    watts = total_power(
        (s.phase, power_watts(s.value, s.unit)) for s in readings if s.sampled_at == newest
    )
    if watts is None or newest <= taken_at + settle():
        return False
    drawn = drawn_amps(watts, voltage=voltage, phases=len(wiring) // 2)
    if not draw_changes_share(
        drawn, limit=limit_amps, capped_at=capped_at, minimum=settings.SMART_CHARGING_MIN_AMPS
    ):
        return False
    panel_rebalance_on_commit(panel_id=panel_id)
    return True


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
