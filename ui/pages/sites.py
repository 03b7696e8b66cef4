"""A site (asset group): its stations on a tile-free map, their connectors, its availability
over 30 days. Panel load is not shown yet: panels are another app's, still being built."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from assets.models import Asset, AssetGroup
from ui import dashboard_selectors as dashboard
from ui.site_map import site_map


@staff_member_required
@require_GET
def site_view(request: HttpRequest, site_id: str) -> HttpResponse:
    site = get_object_or_404(AssetGroup.objects.select_related("network"), pk=site_id)
    assets = Asset.objects.filter(asset_group=site)
    stations = list(assets.prefetch_related("connectors").order_by("identity"))
    neighbours = list(AssetGroup.objects.filter(network_id=site.network_id).order_by("name"))
    availability = dashboard.availability_by_site(dashboard.FleetFilters(site_id=str(site.pk)))
    context = {
        "nav": "dashboard",
        "site": site,
        "stations": stations,
        "counts": dashboard.fleet_counts(assets),
        "map": site_map(site, neighbours, stations, settings.UI_MAP_TILE_URL),
        "availability": availability[0].availability if availability else None,
        "availability_days": dashboard.DAYS,
    }
    # The live socket re-reads the counts, the map and the stations as stations change.
    if request.GET.get("fragment") == "site":
        return render(request, "ui/sites/_site.html", context)
    return render(request, "ui/sites/page.html", context)
