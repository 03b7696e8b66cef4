import asyncio

from django.apps import AppConfig

from ocpp_bridge import station_fanout
from smart_charging import fanout as smart_charging_fanout
from ui import live


class UiConfig(AppConfig):
    name = "ui"
    verbose_name = "Operator web UI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        live_pushes_subscribe()


def live_pushes_subscribe() -> None:
    """The live web UI hears stations and panels through their fan-outs, so the domain never
    imports it."""
    from ui import panel_live  # reads models: imported once the apps are loaded

    station_fanout.frames_logged.subscribe(live.frames_logged)
    station_fanout.station_connectivity_changed.subscribe(live.station_connectivity_changed)
    station_fanout.connector_status_changed.subscribe(live.connector_status_changed)
    station_fanout.calls_finished.subscribe(live.calls_finished)
    station_fanout.charger_loop_serving.subscribe(_flusher_start)
    smart_charging_fanout.charging_limits_changed.subscribe(live.charging_limits_changed)
    smart_charging_fanout.panels_rebalanced.subscribe(panel_live.panels_rebalanced)


def _flusher_start(loop: asyncio.AbstractEventLoop) -> None:
    """Published from the charger loop itself: the one the flusher must run on."""
    live.ensure_flusher()
