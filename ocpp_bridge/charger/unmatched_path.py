"""A WebSocket handshake to a path no route serves (e.g. /ocpp/a/b): 404, counted by the
handshake guard against its address like any other failed handshake. Without this route
Channels' router raised, daphne answered 500 and logged a traceback, and a scanner's probes
cost it nothing."""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ocpp_bridge.charger.handshake_guard import handshake_guard
from ocpp_bridge.charger.websocket_denial import deny

logger = logging.getLogger(__name__)


def record_unmatched(address: str) -> None:
    handshake_guard().record_failure(asset_id=None, address=address)


class UnmatchedPathConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        client = self.scope.get("client") or ("", 0)
        logger.info("Refused handshake to %r: no such path", self.scope.get("path"))
        await database_sync_to_async(record_unmatched, thread_sensitive=False)(str(client[0]))
        await deny(self, 404)
