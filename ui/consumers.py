"""The browser's live socket: staff only, subscribed to the overview's, one station's or one
panel's pushes.

Thin on purpose: it joins groups and forwards what ui.live broadcasts; between events it never
reads the database, so a browser costs the server nothing then (a panel's socket reads once, at
its handshake, whether the panel is one the user may see, and its stations).
"""

from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from smart_charging.selectors import panels_visible
from ui.follows import follow, unfollow
from ui.live import STATIONS_GROUP, limits_group, panel_group, station_group


def is_operator(user: Any) -> bool:
    """Who may use the web UI: active staff users."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Pushes to one page; subclasses say which groups it follows."""

    groups_followed: list[str] = []

    def group_names(self) -> list[str]:
        raise NotImplementedError

    async def may_follow(self) -> bool:
        """Whether this user may follow the page's pushes: the web UI's staff."""
        return is_operator(self.scope.get("user"))

    async def connect(self) -> None:
        if not await self.may_follow():
            await self.close()  # before accept: the browser sees the handshake refused (403)
            return
        self.groups_followed = self.group_names()
        for group in self.groups_followed:
            await self.channel_layer.group_add(group, self.channel_name)
            await follow(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_followed:
            await unfollow(group)
            await self.channel_layer.group_discard(group, self.channel_name)

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

    def group_names(self) -> list[str]:
        return [STATIONS_GROUP]


class StationConsumer(LiveConsumer):
    """One station's page: its frames, connectivity, connector status and charging limits."""

    def group_names(self) -> list[str]:
        asset_id = self.scope["url_route"]["kwargs"]["asset_id"]
        return [station_group(asset_id), limits_group(asset_id)]


class PanelConsumer(LiveConsumer):
    """One panel's page: its re-balances (new total, shares, chart point) and the answers to
    its stations' limits (of the stations attached when the page opened)."""

    station_ids: list[str] = []

    def group_names(self) -> list[str]:
        panel_id = self.scope["url_route"]["kwargs"]["panel_id"]
        return [panel_group(panel_id), *(limits_group(a) for a in self.station_ids)]

    async def may_follow(self) -> bool:
        """Staff, and a panel the web UI shows them (as its page does: ui.pages.panels)."""
        if not await super().may_follow():
            return False
        panel_id = self.scope["url_route"]["kwargs"]["panel_id"]
        shown = await sync_to_async(_panel_station_ids)(panel_id)
        if shown is None:
            return False
        self.station_ids = shown
        return True


def _panel_station_ids(panel_id: str) -> list[str] | None:
    """The panel's own stations, if it is one the web UI shows; None if it is not."""
    panel = panels_visible(network_ids=None).filter(pk=panel_id).first()
    if panel is None:
        return None
    return [str(station.asset_id) for station in panel.stations.all()]
