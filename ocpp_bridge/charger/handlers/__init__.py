"""Handlers for charger-initiated actions: one small function per action and version.

`HANDLERS` is the single table of what the CSMS answers; the modules below fill it when imported.
A handler runs in a worker thread with database access, takes the station context and the
validated payload, and returns the response payload.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion
from ocpp_bridge.station_events import StationRef


@dataclass
class StationContext:
    """Who is talking: fixed for a connection, except the registration state a boot refreshes."""

    asset_id: Any
    identity: str
    network_id: Any
    version: OcppVersion
    connection_id: Any
    registration_status: str
    last_seen_written: float = 0.0  # monotonic time of the last last-seen write, a throttle
    # Actions the CSMS asked for with TriggerMessage on this connection: what a Pending station
    # may send besides BootNotification (handlers.common.pending_may_send).
    triggered: set[str] = field(default_factory=set)
    # Whether the station is on a panel (None: not looked yet; looked at once per connection,
    # again at each boot): a power reading of a station on none costs no query
    # (handlers.common.power_reading_stored).
    on_panel: bool | None = None
    # Per transaction, the monotonic time its draw was last judged: a throttle.
    draw_judged_at: dict[str, float] = field(default_factory=dict)

    @property
    def ref(self) -> StationRef:
        return StationRef(self.asset_id, self.identity, self.network_id, self.version.value)


Payload = dict[str, Any]
Handler = Callable[[StationContext, Payload], Payload]

HANDLERS: dict[tuple[OcppVersion, str], Handler] = {}

V2 = (OcppVersion.V201, OcppVersion.V21)


def handles(action: str, *versions: OcppVersion) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for version in versions:
            HANDLERS[(version, action)] = handler
        return handler

    return register


def handler_for(version: OcppVersion, action: str) -> Handler | None:
    return HANDLERS.get((version, action))


from ocpp_bridge.charger.handlers import common, v2, v16, v21  # noqa: E402,F401  (fill the table)
