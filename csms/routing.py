from django.urls import re_path

from ocpp_bridge.charger import websocket_denial
from ocpp_bridge.charger.consumer import OcppConsumer
from ocpp_bridge.charger.unmatched_path import UnmatchedPathConsumer
from ui.routing import ui_websocket_urlpatterns

# Lets consumers refuse a handshake with 401 / 404 rather than only 403 (daphne lacks it).
websocket_denial.install()

websocket_urlpatterns = [
    # Identities are printable ASCII without '/', at most 48 characters (OCPP 2.0.1 §2.2).
    # Stations authenticate with HTTP Basic auth in the consumer: no cookies on this route.
    re_path(r"^ocpp/(?P<identity>[^/]{1,48})/?$", OcppConsumer.as_asgi()),
    # The web UI's live pushes: staff users, by their Django session (ui/routing.py).
    *ui_websocket_urlpatterns,
    # Anything else (e.g. /ocpp/a/b): 404, counted by the handshake guard, instead of a 500.
    re_path(r"", UnmatchedPathConsumer.as_asgi()),
]
