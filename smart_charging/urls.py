from django.urls import path

from smart_charging.apis import (
    PanelDetailView,
    PanelListView,
    PanelStationDetailView,
    PanelStationsView,
)

PREFIX = "asset-management/v1/panels"

urlpatterns = [
    path(PREFIX, PanelListView.as_view(), name="panel-list"),
    path(f"{PREFIX}/<str:panel_id>", PanelDetailView.as_view(), name="panel-detail"),
    path(f"{PREFIX}/<str:panel_id>/stations", PanelStationsView.as_view(), name="panel-stations"),
    path(
        f"{PREFIX}/<str:panel_id>/stations/<str:asset_id>",
        PanelStationDetailView.as_view(),
        name="panel-station-detail",
    ),
]
