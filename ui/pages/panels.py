"""The panel pages: each panel's capacity, what its sessions hold now, and a chart of what it
gave over time (smart_charging's selectors; the live part in ui/panel_live.py). Staff only."""

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from smart_charging.selectors import panel_session_shares, panels_visible
from smart_charging.snapshots import panel_snapshots
from ui.panel_live import panel_chart, panel_held_total


@staff_member_required
@require_GET
def panels(request: HttpRequest) -> HttpResponse:
    found = panels_visible(network_ids=None).order_by("asset_group__name", "name")
    return render(request, "ui/panel/list.html", {"panels": found[:200], "nav": "panels"})


@staff_member_required
@require_GET
def panel(request: HttpRequest, panel_id: Any) -> HttpResponse:
    """The page, or its live part alone (?fragment=live: what a browser re-reads when its
    socket (re)opens)."""
    found = panels_visible(network_ids=None).filter(pk=panel_id).first()
    if found is None:
        raise Http404("No such panel.")
    shares = panel_session_shares(found)
    snapshots = panel_snapshots(found)
    context = {
        "panel": found,
        "nav": "panels",
        "shares": shares,
        "held_total": panel_held_total(shares),
        "chart": panel_chart(snapshots),
        "rebalanced_at": snapshots[-1].taken_at if snapshots else None,
    }
    if request.GET.get("fragment") == "live":
        return render(request, "ui/panel/_live.html", context)
    return render(request, "ui/panel/page.html", context)
