from django.urls import path

from rates.apis import DisableRateView, SyncRateView

urlpatterns = [
    path(
        "ocpp/v2/assets/<str:asset_id>/rate-display/sync-rate",
        SyncRateView.as_view(),
        name="rate-display-sync",
    ),
    path(
        "ocpp/v2/assets/<str:asset_id>/rate-display/disable",
        DisableRateView.as_view(),
        name="rate-display-disable",
    ),
]
