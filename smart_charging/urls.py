from django.urls import path

from smart_charging.apis import (
    PanelDetailView,
    PanelListView,
    PanelStationDetailView,
    PanelStationsView,
)
from smart_charging.limit_apis import (
    ChargingLimitDetailView,
    ChargingLimitsView,
    CompositeScheduleView,
    InstalledProfilesView,
)

PREFIX = "asset-management/v1/panels"
LIMITS = "asset-management/v1/assets/<str:asset_id>/charging-limits"

urlpatterns = [
    path(LIMITS, ChargingLimitsView.as_view(), name="charging-limits"),
    path(f"{LIMITS}/composite", CompositeScheduleView.as_view(), name="composite-schedule"),
    path(f"{LIMITS}/installed", InstalledProfilesView.as_view(), name="installed-profiles"),
    path(f"{LIMITS}/<str:limit_id>", ChargingLimitDetailView.as_view(), name="charging-limit"),
    path(PREFIX, PanelListView.as_view(), name="panel-list"),
    path(f"{PREFIX}/<str:panel_id>", PanelDetailView.as_view(), name="panel-detail"),
    path(f"{PREFIX}/<str:panel_id>/stations", PanelStationsView.as_view(), name="panel-stations"),
    path(
        f"{PREFIX}/<str:panel_id>/stations/<str:asset_id>",
        PanelStationDetailView.as_view(),
        name="panel-station-detail",
    ),
]
