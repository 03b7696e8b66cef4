"""The operator's web UI at /stations/ (the root redirects there); staff users only."""

from django.urls import path
from django.views.generic import RedirectView

from ui import panels, views

app_name = "ui"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="ui:stations"), name="home"),
    path("stations/", views.stations, name="stations"),
    path("panels/", panels.panels, name="panels"),
    path("panels/<uuid:panel_id>/", panels.panel, name="panel"),
    path("stations/<uuid:asset_id>/", views.station, name="station"),
    path("stations/<uuid:asset_id>/console", views.console_send_view, name="console-send"),
    path(
        "stations/<uuid:asset_id>/console/<str:message_id>",
        views.console_call_view,
        name="console-call",
    ),
]
