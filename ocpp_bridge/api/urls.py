from django.urls import path

from ocpp_bridge.api.legacy_views import RemoteStartView, RemoteStopView, ResetView
from ocpp_bridge.api.password_views import PasswordRotateView
from ocpp_bridge.api.views import CallDetailView, RawRequestView

urlpatterns = [
    path("ocpp/v2/raw-request", RawRequestView.as_view(), name="ocpp-raw-request"),
    path("ocpp/v2/requests/<str:message_id>", CallDetailView.as_view(), name="ocpp-request"),
    path(
        "ocpp/v2/assets/<str:asset_id>/rotate-password",
        PasswordRotateView.as_view(),
        name="ocpp-rotate-password",
    ),
    path("ocpp/remoteStartTransaction", RemoteStartView.as_view(), name="ocpp-remote-start"),
    path("ocpp/remoteStopTransaction", RemoteStopView.as_view(), name="ocpp-remote-stop"),
    path("ocpp/reset", ResetView.as_view(), name="ocpp-reset"),
]
