from django.urls import path

from ocpp_bridge.apis import CallDetailView, RawRequestView

urlpatterns = [
    path("ocpp/v2/raw-request", RawRequestView.as_view(), name="ocpp-raw-request"),
    path("ocpp/v2/requests/<str:message_id>", CallDetailView.as_view(), name="ocpp-request"),
]
