from django.urls import re_path

from ocpp_bridge.consumers import OcppConsumer

websocket_urlpatterns = [
    # Identities are printable ASCII without '/', at most 48 characters (OCPP 2.0.1 §2.2).
    re_path(r"^ocpp/(?P<identity>[^/]{1,48})/?$", OcppConsumer.as_asgi()),
]
