"""The panel pages: each panel's capacity, what its sessions hold now, and a chart of what it
gave over time (smart_charging's selectors). Staff only."""

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from smart_charging.models import Panel, PanelSnapshot
from smart_charging.selectors import panel_session_shares, panels_visible
from smart_charging.snapshots import panel_snapshots

CHART_WIDTH, CHART_HEIGHT = 600, 160


@staff_member_required
@require_GET
def panels(request: HttpRequest) -> HttpResponse:
    found = panels_visible(network_ids=None).order_by("asset_group__name", "name")
    return render(request, "ui/panel/list.html", {"panels": found[:200], "nav": "panels"})


@staff_member_required
@require_GET
def panel(request: HttpRequest, panel_id: Any) -> HttpResponse:
    found = panels_visible(network_ids=None).filter(pk=panel_id).first()
    if found is None:
        raise Http404("No such panel.")
    shares = panel_session_shares(found)
    snapshots = panel_snapshots(found)
    context = {
        "panel": found,
        "nav": "panels",
        "shares": shares,
        "held_total": round(sum(s.limit_amps or 0.0 for s in shares), 1),
        "chart": chart(found, snapshots),
    }
    return render(request, "ui/panel/page.html", context)


def chart(panel: Panel, snapshots: list[PanelSnapshot]) -> dict[str, Any]:
    """An SVG polyline of what the panel gave over its snapshots, against its capacity."""
    top = max([panel.amps_per_phase, *(s.allocated_amps for s in snapshots)], default=1.0) or 1.0
    step = CHART_WIDTH / max(len(snapshots) - 1, 1)

    def y(amps: float) -> float:
        return round(CHART_HEIGHT - amps / top * (CHART_HEIGHT - 10), 1)

    points = " ".join(
        f"{round(i * step, 1)},{y(s.allocated_amps)}" for i, s in enumerate(snapshots)
    )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "points": points,
        "capacity_y": y(panel.amps_per_phase),
        "first": snapshots[0].taken_at if snapshots else None,
        "last": snapshots[-1].taken_at if snapshots else None,
    }
