"""The operator's web UI: the dashboard at the root, stations, sessions, tokens, sites, panels;
staff users only."""

from django.urls import path

from ui import views
from ui.pages import panels, sessions, sites, tokens
from ui.pages.dashboard import dashboard_view

app_name = "ui"

urlpatterns = [
    path("", dashboard_view, name="home"),
    path("stations/", views.stations, name="stations"),
    path("ui/sessions/", sessions.sessions_view, name="sessions"),
    path("ui/sessions/export.csv", sessions.sessions_export_view, name="sessions-export"),
    path("ui/sessions/<int:session_id>/", sessions.session_view, name="session"),
    path("ui/tokens/", tokens.tokens_view, name="tokens"),
    path("ui/tokens/<int:token_id>/status", tokens.token_status_view, name="token-status"),
    path("ui/tokens/<int:token_id>/expiry", tokens.token_expiry_view, name="token-expiry"),
    path("ui/sites/<uuid:site_id>/", sites.site_view, name="site"),
    path("ui/panels/", panels.panels, name="panels"),
    path("ui/panels/<uuid:panel_id>/", panels.panel, name="panel"),
    path("stations/<uuid:asset_id>/", views.station, name="station"),
    path("stations/<uuid:asset_id>/console", views.console_send_view, name="console-send"),
    path(
        "stations/<uuid:asset_id>/console/<str:message_id>",
        views.console_call_view,
        name="console-call",
    ),
]
