import asyncio

from django.apps import AppConfig

from ocpp_bridge import station_fanout
from ui import live


class UiConfig(AppConfig):
    name = "ui"
    verbose_name = "Operator web UI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        live_pushes_subscribe()


def live_pushes_subscribe() -> None:
    """The live web UI hears stations through their fan-out, so the domain never imports it."""
    station_fanout.frames_logged.subscribe(live.frames_logged)
    station_fanout.station_connectivity_changed.subscribe(live.station_connectivity_changed)
    station_fanout.connector_status_changed.subscribe(live.connector_status_changed)
    station_fanout.charger_loop_serving.subscribe(_flusher_start)


def _flusher_start(loop: asyncio.AbstractEventLoop) -> None:
    """Published from the charger loop itself: the one the flusher must run on."""
    live.ensure_flusher()
