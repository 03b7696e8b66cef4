"""What each panel of a tree was given at a re-balance, kept for the panel page's chart."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ocpp_bridge.api.presenters import iso_precise
from smart_charging.fanout import panels_rebalanced
from smart_charging.load_manager import PanelPlan
from smart_charging.models import Panel, PanelSnapshot
from smart_charging.panel_tree import PHASES, panel_tree, resource

# Older snapshots are dropped as new ones come: the chart shows recent hours.
KEPT_FOR = timedelta(days=2)


def panel_snapshots_record(plan: PanelPlan) -> None:
    """One row per panel of the plan's tree: the targets on its busiest phase (reserved for
    offline stations and idle EVSEs included)."""
    tree = panel_tree(plan.root)
    rows = []
    for panel in tree.values():
        names = [resource(panel.pk, phase) for phase in PHASES[: panel.phases]]
        given = {
            name: sum(s.target for s in plan.shares if name in s.resources)
            + panel.amps_per_phase
            - plan.available.get(name, 0.0)
            for name in names
        }
        rows.append(
            PanelSnapshot(
                panel=panel,
                capacity_amps=panel.amps_per_phase,
                allocated_amps=round(max(given.values(), default=0.0), 1),
                sessions=sum(1 for s in plan.shares if set(names) & s.resources),
            )
        )
    PanelSnapshot.objects.bulk_create(rows)
    panels_rebalanced.publish_on_commit([_snapshot_event(row) for row in rows])
    PanelSnapshot.objects.filter(
        panel__in=list(tree), taken_at__lt=timezone.now() - KEPT_FOR
    ).delete()


def panel_snapshots(panel: Panel, *, limit: int = 200) -> list[PanelSnapshot]:
    """The latest snapshots, oldest first."""
    return list(reversed(panel.snapshots.all()[:limit]))


def _snapshot_event(snapshot: PanelSnapshot) -> dict[str, Any]:
    return {
        "panelId": str(snapshot.panel_id),
        "takenAt": iso_precise(snapshot.taken_at),
        "capacityAmps": round(snapshot.capacity_amps, 1),
        "allocatedAmps": snapshot.allocated_amps,
        "sessions": snapshot.sessions,
    }
