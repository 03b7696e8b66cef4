"""Panels feed each other: a building feeder above several panels. The load manager plans a
whole tree at once, from its root, so that every panel on a car's path (its own, and each
above it) stays within its capacity, and one lease covers the tree.

A capacity is a set of resources, one per panel and phase ("<panel id>:L1"): a station draws
from the resources of its phases on its panel and on every panel above.
"""

from typing import Any

from smart_charging.models import Panel, PanelStation

PHASES = ("L1", "L2", "L3")
# Deeper than any building: a guard against a cycle an operator wired by mistake.
MAX_DEPTH = 8


def panel_root(panel_id: Any) -> Panel:
    """The topmost panel above `panel_id` (itself when it has no parent)."""
    panel = Panel.objects.get(pk=panel_id)
    seen = {panel.pk}
    while panel.parent_id is not None and panel.parent_id not in seen and len(seen) < MAX_DEPTH:
        panel = Panel.objects.get(pk=panel.parent_id)
        seen.add(panel.pk)
    return panel


def panel_tree(root: Panel) -> dict[Any, Panel]:
    """The root and every panel below it, by id."""
    tree = {root.pk: root}
    level = [root.pk]
    for _ in range(MAX_DEPTH):
        children = [p for p in Panel.objects.filter(parent_id__in=level) if p.pk not in tree]
        if not children:
            break
        tree.update((p.pk, p) for p in children)
        level = [p.pk for p in children]
    return tree


def tree_capacity(tree: dict[Any, Panel]) -> dict[str, float]:
    """Each resource of the tree and its capacity (A)."""
    return {
        resource(panel.pk, phase): panel.amps_per_phase
        for panel in tree.values()
        for phase in PHASES[: panel.phases]
    }


def resource(panel_id: Any, phase: str) -> str:
    return f"{panel_id}:{phase}"


def station_resources(station: PanelStation, tree: dict[Any, Panel]) -> frozenset[str]:
    """What the station draws from: its phases on its panel and on each panel above it."""
    found: set[str] = set()
    panel: Panel | None = tree.get(station.panel_id)
    for _ in range(MAX_DEPTH):
        if panel is None:
            break
        found.update(resource(panel.pk, phase) for phase in station.phases)
        panel = tree.get(panel.parent_id)
    return frozenset(found)
