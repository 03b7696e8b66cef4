from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.token_throttle import ThrottledTokenView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth/token", ThrottledTokenView.as_view(), name="oauth-token"),
    path("api/schema", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("api/redoc", SpectacularRedocView.as_view(url_name="openapi-schema"), name="api-redoc"),
    path("", include("ocpp_bridge.api.urls")),
    path("", include("rates.urls")),
    path("", include("assets.urls")),
    path("", include("networks.urls")),
    path("", include("charging.urls")),
    path("", include("tokens.urls")),
    path("", include("webhooks.urls")),
    path("", include("smart_charging.urls")),
    path("", include("ui.urls")),
]

# Unknown routes and server errors of the API answer its JSON error envelope; the HTML pages
# keep Django's (api.errors.is_api_request tells which).
handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
