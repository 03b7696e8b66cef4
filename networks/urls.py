from django.urls import path

from networks.apis import NetworkDetailView, NetworkListView

urlpatterns = [
    path("asset-management/v1/networks", NetworkListView.as_view(), name="network-list"),
    path(
        "asset-management/v1/networks/<str:network_id>",
        NetworkDetailView.as_view(),
        name="network-detail",
    ),
]
