"""One fan-out for what happened at a station: domain code publishes here, listeners subscribe.

The web UI subscribes in its AppConfig.ready() (ui/apps.py), so the domain never imports it.
Everything published here is best effort: a listener that raises is logged and skipped, and
neither the publisher nor the other listeners notice. Webhook events are not sent through
here: they are recorded in the caller's transaction (ocpp_bridge.station_events).
"""

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from django.db import transaction

from csms.throttled_log import ThrottledLog

logger = logging.getLogger(__name__)

E = TypeVar("E")
Listener = Callable[[E], None]
# The `data` of a webhook event (ocpp_bridge.station_events documents each shape).
EventData = dict[str, Any]


class Fanout(Generic[E]):
    """The listeners of one kind of event, called in the order they subscribed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Listener[E]] = []
        # Events come per frame: a listener failing on each would bury the log.
        self._failures = ThrottledLog(logger)

    def subscribe(self, listener: Listener[E]) -> None:
        """Add `listener`; subscribing it again changes nothing."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener[E]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, event: E) -> None:
        """Call every listener with `event` now; never raises."""
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:
                self._failures.warning("A listener of %s failed: %r", self.name, listener)

    def publish_on_commit(self, event: E) -> None:
        """Publish once the caller's transaction commits (at once outside one), so that no
        listener hears of a change that is rolled back."""
        transaction.on_commit(partial(self.publish, event))


# Frames in or out of one station, each the `ocpp.message` webhook `data`.
frames_logged: Fanout[list[EventData]] = Fanout("frames_logged")
# A station connected or disconnected: the `asset.connectivity` webhook `data`.
station_connectivity_changed: Fanout[EventData] = Fanout("station_connectivity_changed")
# {"assetId", "evseId", "connectorId", "status", "errorCode", "at"}.
connector_status_changed: Fanout[EventData] = Fanout("connector_status_changed")
# CSMS-initiated calls that reached a final state (answered, refused, timed out, failed), after
# commit: [{"assetId", "callId", "action", "state"}] (e.g. the station page's charging limits).
calls_finished: Fanout[list[EventData]] = Fanout("calls_finished")
# This process serves charger sockets on the running loop (published by each handshake, from
# that loop): a listener that batches its work may start its task there (the web UI's flusher).
charger_loop_serving: Fanout[asyncio.AbstractEventLoop] = Fanout("charger_loop_serving")
