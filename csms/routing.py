from django.urls import re_path

from ocpp_bridge.charger.consumer import OcppConsumer
from ui.routing import ui_websocket_urlpatterns

websocket_urlpatterns = [
    # Identities are printable ASCII without '/', at most 48 characters (OCPP 2.0.1 §2.2).
    # Stations authenticate with HTTP Basic auth in the consumer: no cookies on this route.
    re_path(r"^ocpp/(?P<identity>[^/]{1,48})/?$", OcppConsumer.as_asgi()),
    # The web UI's live pushes: staff users, by their Django session (ui/routing.py).
    *ui_websocket_urlpatterns,
]
