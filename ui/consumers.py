"""The browser's live socket: staff only, subscribed to the overview's or one station's pushes.

Thin on purpose: it joins groups and forwards what ui.live broadcasts; it never reads the
database, so a browser costs the server nothing between events.
"""

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ui.follows import follow, unfollow
from ui.live import STATIONS_GROUP, station_group


def is_operator(user: Any) -> bool:
    """Who may use the web UI: active staff users."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Pushes to one page; subclasses say which group it follows."""

    group = ""

    def group_name(self) -> str:
        raise NotImplementedError

    async def connect(self) -> None:
        if not is_operator(self.scope.get("user")):
            await self.close()  # before accept: the browser sees the handshake refused (403)
            return
        self.group = self.group_name()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await follow(self.group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await unfollow(self.group)
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Browsers only listen; anything they send is ignored."""

    async def ui_push(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "data": message["data"]})

    async def ui_push_batch(self, message: dict[str, Any]) -> None:
        """What one process queued for this group since its last flush, in order."""
        for push in message["pushes"]:
            await self.send_json(push)


class StationsConsumer(LiveConsumer):
    """The overview: connectivity, connector status and "seen" of every station."""

    def group_name(self) -> str:
        return STATIONS_GROUP


class StationConsumer(LiveConsumer):
    """One station's page: its frames, connectivity and connector status."""

    def group_name(self) -> str:
        return station_group(self.scope["url_route"]["kwargs"]["asset_id"])
