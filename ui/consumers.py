"""The browser's live socket: staff only, subscribed to the overview's, one station's or one
panel's pushes.

Thin on purpose: it joins groups and forwards what ui.live broadcasts; between events it never
reads the database, so a browser costs the server nothing then (a panel's socket reads once, at
its handshake, whether the panel is one the user may see).
"""

from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from smart_charging.selectors import panels_visible
from ui.follows import follow, unfollow
from ui.live import STATIONS_GROUP, panel_group, station_group


def is_operator(user: Any) -> bool:
    """Who may use the web UI: active staff users."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Pushes to one page; subclasses say which group it follows."""

    group = ""

    def group_name(self) -> str:
        raise NotImplementedError

    async def may_follow(self) -> bool:
        """Whether this user may follow the page's pushes: the web UI's staff."""
        return is_operator(self.scope.get("user"))

    async def connect(self) -> None:
        if not await self.may_follow():
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


class PanelConsumer(LiveConsumer):
    """One panel's page: its re-balances (new total, shares, chart point)."""

    def group_name(self) -> str:
        return panel_group(self.scope["url_route"]["kwargs"]["panel_id"])

    async def may_follow(self) -> bool:
        """Staff, and a panel the web UI shows them (as its page does: ui.pages.panels)."""
        if not await super().may_follow():
            return False
        panel_id = self.scope["url_route"]["kwargs"]["panel_id"]
        return await sync_to_async(_panel_shown)(panel_id)


def _panel_shown(panel_id: str) -> bool:
    return panels_visible(network_ids=None).filter(pk=panel_id).exists()
