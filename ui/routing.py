"""The browser's WebSocket routes, with session authentication (cookies) on these routes only."""

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.urls import re_path

from ui.consumers import PanelConsumer, StationConsumer, StationsConsumer

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class SameOriginOnly:
    """Refuse handshakes from pages of other sites, which would ride on an operator's cookie.
    The Origin must name the host the socket was opened on (or a CSRF-trusted origin), as
    Django's CSRF check asks of a form post; ALLOWED_HOSTS may well be '*'."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1")
        if origin and (urlsplit(origin).netloc == host or origin in settings.CSRF_TRUSTED_ORIGINS):
            return await self.app(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def browser_only(app: Any) -> Any:
    return SameOriginOnly(AuthMiddlewareStack(app))


ui_websocket_urlpatterns = [
    re_path(r"^ui/ws/stations/$", browser_only(StationsConsumer.as_asgi())),
    re_path(rf"^ui/ws/stations/(?P<asset_id>{UUID})/$", browser_only(StationConsumer.as_asgi())),
    re_path(rf"^ui/ws/panels/(?P<panel_id>{UUID})/$", browser_only(PanelConsumer.as_asgi())),
]
