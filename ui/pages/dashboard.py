"""The dashboard, the home page: the fleet now (live), energy and sessions per day, what is down
longest, availability per site over 30 days; filtered by network and site."""

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ui import dashboard_selectors as dashboard
from ui import selectors


@staff_member_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    filters = dashboard.FleetFilters.from_query(request.GET)
    assets = filters.assets()
    context: dict[str, Any] = {
        "nav": "dashboard",
        "filters": filters,
        "counts": dashboard.fleet_counts(assets),
        "stations_down": dashboard.stations_down_longest(assets),
        "connectors_down": dashboard.connectors_down_longest(assets),
    }
    # The live socket re-reads the figures that stations change.
    if request.GET.get("fragment") == "figures":
        return render(request, "ui/dashboard/_figures.html", context)
    energy = dashboard.energy_by_day(assets)
    context.update(
        energy=energy,
        chart=_chart_data(energy),
        sites_availability=dashboard.availability_by_site(filters),
        availability_days=dashboard.DAYS,
        availability_target=dashboard.AVAILABILITY_TARGET,
        networks=selectors.networks_list(),
        sites=dashboard.sites_list(network_id=filters.network_id),
    )
    return render(request, "ui/dashboard/page.html", context)


def _chart_data(energy: dashboard.EnergyTotals) -> dict[str, Any]:
    """What ui/static/ui/charts.js draws: x as dates, one series per chart."""
    days = [day.day.isoformat() for day in energy.days]
    return {
        "energy": {
            "x": days,
            "series": [{"label": "Energy (kWh)", "values": [d.energy_kwh for d in energy.days]}],
            "bars": True,
        },
        "sessions": {
            "x": days,
            "series": [{"label": "Sessions", "values": [d.sessions for d in energy.days]}],
            "bars": True,
            "integer": True,
        },
    }
