from django.urls import path

from assets.apis.asset_groups import AddSitePartnersView, AssetGroupDetailView, AssetGroupListView
from assets.apis.asset_statuses import AssetStatusListView
from assets.apis.assets import AssetDetailView, AssetListView
from assets.apis.site_partners import SitePartnerDetailView, SitePartnerListView

PREFIX = "asset-management/v1"

urlpatterns = [
    path(f"{PREFIX}/assets", AssetListView.as_view(), name="asset-list"),
    path(f"{PREFIX}/assets/<str:asset_id>", AssetDetailView.as_view(), name="asset-detail"),
    path(f"{PREFIX}/asset-groups", AssetGroupListView.as_view(), name="asset-group-list"),
    path(
        f"{PREFIX}/asset-groups/<str:group_id>",
        AssetGroupDetailView.as_view(),
        name="asset-group-detail",
    ),
    path(
        f"{PREFIX}/asset-groups/<str:group_id>/add-site-partners",
        AddSitePartnersView.as_view(),
        name="asset-group-add-site-partners",
    ),
    path(f"{PREFIX}/asset-statuses", AssetStatusListView.as_view(), name="asset-status-list"),
    path(f"{PREFIX}/site-partners", SitePartnerListView.as_view(), name="site-partner-list"),
    path(
        f"{PREFIX}/site-partners/<str:partner_id>",
        SitePartnerDetailView.as_view(),
        name="site-partner-detail",
    ),
]
