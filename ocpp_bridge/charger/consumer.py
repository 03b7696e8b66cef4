"""The charger WebSocket at /ocpp/<identity>: handshake, then text in, text out.

Thin on purpose: authentication, protocol work and persistence live in services and in
`ocpp_bridge.charger.incoming`; this class only moves messages between the socket and those.
"""

import asyncio
import json
import logging
from functools import partial
from typing import Any
from urllib.parse import unquote

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from assets.selectors import station_authenticate, station_expects_basic_auth
from csms.runtime.gc_tuning import connection_closed
from observability import logs as log_context
from observability.charger import handshake_refused
from ocpp_bridge import station_fanout
from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next
from ocpp_bridge.calls.outcomes import ocpp_call_expire
from ocpp_bridge.charger.call_timers import CallTimers
from ocpp_bridge.charger.connections import connection_end, connection_open
from ocpp_bridge.charger.group_commit import GroupCommitter, group_committer
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.charger.handlers.common import trigger_note
from ocpp_bridge.charger.heartbeat import PROCESS_GROUP, ensure_heartbeat
from ocpp_bridge.charger.incoming import (
    internal_error_reply,
    process_binary,
    process_texts,
)
from ocpp_bridge.charger.tls_proxy import transport_security
from ocpp_bridge.charger.websocket_denial import deny
from ocpp_bridge.models import ChargerConnection
from ocpp_bridge.protocol.versions import negotiate_subprotocol

logger = logging.getLogger(__name__)

# Close code for a connection superseded by a newer one of the same station (private range).
CLOSE_REPLACED = 4000


def in_thread(func: Any) -> Any:
    """Run ORM work in the thread pool. Not thread-sensitive: stations must not queue behind
    each other on one thread; each consumer still awaits its own messages in order."""
    return database_sync_to_async(func, thread_sensitive=False)


def _new_committer() -> GroupCommitter:
    return GroupCommitter(
        partial(process_texts, max_bytes=settings.OCPP_MAX_FRAME_BYTES),
        run_in_thread=in_thread,
        max_batch=settings.OCPP_GROUP_COMMIT_MAX,
        concurrency=settings.OCPP_GROUP_COMMIT_CONCURRENCY,
    )


class OcppConsumer(AsyncWebsocketConsumer):
    station: StationContext | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call_timers = CallTimers(self.expire_call)
        self.disconnect_code: int | None = None  # the station's close, once daphne told it

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            # daphne cancels every consumer when it shuts down, without a disconnect event, and
            # one still busy with its disconnect after --application-close-timeout (thousands
            # of closes queued for the database at once): record the close now, as what it was
            # (daphne waits for this) rather than leave it to the sweep.
            disconnected = self.disconnect_code is not None
            await self.record_end_without_disconnect(
                code=self.disconnect_code,
                reason=ChargerConnection.CloseReason.DISCONNECTED
                if disconnected
                else ChargerConnection.CloseReason.SERVER_SHUTDOWN,
            )
            raise
        except Exception:
            # The channel layer failed under the consumer (e.g. Redis restarted): daphne closes
            # the socket (1011) without a disconnect event. Record it, so that the station is
            # not left online on a dead connection and its call fails now; it reconnects.
            logger.exception("The connection of %s failed", self.scope.get("path"))
            await self.record_end_without_disconnect(
                code=1011, reason=ChargerConnection.CloseReason.DISCONNECTED
            )
            raise

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch runs `close_old_connections` in a pool thread before every event;
        each handler here reaches the database only through `in_thread`, which does that
        around its own work, so the extra hop per frame is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def record_end_without_disconnect(self, *, code: int | None, reason: str) -> None:
        if self.station is None:
            return
        await asyncio.shield(
            in_thread(connection_end)(
                connection_id=self.station.connection_id,
                asset_id=self.station.asset_id,
                code=code,
                reason=reason,
            )
        )

    async def connect(self) -> None:
        identity = unquote(self.scope["url_route"]["kwargs"]["identity"])
        raw_headers = self.scope.get("headers", [])
        headers = dict(raw_headers)
        transport = transport_security(raw_headers, proxy_secret=settings.OCPP_TLS_PROXY_SECRET)
        client = self.scope.get("client") or ("", 0)
        asset = await in_thread(station_authenticate)(
            identity=identity,
            authorization=headers.get(b"authorization"),
            transport=transport,
            remote_addr=str(client[0]),
        )
        version = negotiate_subprotocol(
            self.scope.get("subprotocols", []), asset.protocol if asset else None
        )
        if asset is None:  # station_authenticate logs its own refusals
            handshake_refused("credentials")
            await self.refuse_credentials(identity)
            return
        if version is None:
            handshake_refused("subprotocol")
            logger.info("Refused handshake of %r: no supported subprotocol", identity)
            await self.close()  # before accept: the server answers HTTP 403
            return
        await ensure_heartbeat()  # before recording the connection this process vouches for
        # Listeners that batch their work start it here (the web UI's pushes go out in batches).
        station_fanout.charger_loop_serving.publish(asyncio.get_running_loop())
        await self.channel_layer.group_add(PROCESS_GROUP, self.channel_name)
        connection, replaced_channel = await in_thread(connection_open)(
            asset_id=asset.pk,
            protocol=version.value,
            channel_name=self.channel_name,
            remote_addr=str(client[0]),
        )
        log_context.station.set(asset.identity)  # this consumer's task: its log lines
        self.station = StationContext(
            asset_id=asset.pk,
            identity=asset.identity,
            network_id=asset.network_id,
            version=version,
            connection_id=connection.pk,
            registration_status=asset.registration_status,
        )
        # Recorded before accepting, so the station is online from its first frame on.
        await self.accept(subprotocol=version.value)
        if replaced_channel:
            await self.channel_layer.send(replaced_channel, {"type": "ocpp.replaced"})

    async def refuse_credentials(self, identity: str) -> None:
        """401 with a Basic challenge (RFC 9110 §11.6.1, as the certification tests expect)
        when the station proves itself by Basic auth; 403 for a profile 3 station, whose
        client certificate no password can replace."""
        if not await in_thread(station_expects_basic_auth)(identity):
            await deny(self, 403)
            return
        await deny(self, 401, [(b"www-authenticate", b'Basic realm="OCPP", charset="UTF-8"')])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.station is None:
            return
        if text_data is None:  # OCPP-J is text only
            await self.send(await in_thread(process_binary)(self.station, bytes_data or b""))
            return
        self.call_timers.answer_arrived(text_data)
        try:
            reply = await group_committer(_new_committer).submit(self.station, text_data)
        except Exception:
            # E.g. the database is unreachable: answer so the station retries later, and keep
            # the connection (and the station online) instead of crashing the consumer.
            logger.exception("Frame from %s could not be processed", self.station.identity)
            reply = internal_error_reply(self.station, text_data)
        if reply is not None:
            await self.send(reply)

    async def disconnect(self, code: int) -> None:
        self.disconnect_code = code
        connection_closed()  # its objects may be frozen: they wait for a sweep (gc_tuning)
        self.call_timers.cancel_all()
        # The close first: a station must never stay recorded online because the channel
        # layer failed (e.g. its Redis pool ran out during a disconnect storm).
        if self.station is not None:
            await in_thread(connection_end)(
                connection_id=self.station.connection_id,
                asset_id=self.station.asset_id,
                code=code,
            )
        try:
            await self.channel_layer.group_discard(PROCESS_GROUP, self.channel_name)
        except Exception:  # the group's membership expires by itself
            logger.warning("Could not leave %s", PROCESS_GROUP, exc_info=True)

    async def ocpp_call(self, event: dict[str, Any]) -> None:
        """A CSMS-initiated call, chosen by the delivery service in any process: send it and
        time it out if the station does not answer. Never waits for the answer here."""
        if self.station is not None:  # what a Pending station may then send (B02.FR.09)
            trigger_note(self.station, event["frame"])
        await self.send(event["frame"])
        self.call_timers.start(
            # (An event queued before "message_id" was added carries it only in its frame.)
            message_id=event.get("message_id") or json.loads(event["frame"])[1],
            call_id=event["call_id"],
            timeout=event["timeout"],
        )

    async def expire_call(self, call_id: str) -> None:
        assert self.station is not None
        if await in_thread(ocpp_call_expire)(call_id=call_id):
            await in_thread(ocpp_call_dispatch_next)(asset_id=self.station.asset_id)

    async def ocpp_replaced(self, event: dict[str, Any]) -> None:
        """A newer connection of this station took over, or this process was swept as dead:
        step aside (the station reconnects and is recorded afresh)."""
        logger.info(
            "Connection of %s replaced by a newer one", self.station and self.station.identity
        )
        await self.close(code=CLOSE_REPLACED)
