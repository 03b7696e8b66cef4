"""The panel page's live part: what its sessions hold now and its chart, as the page renders
them and as a re-balance pushes them (subscribed to smart_charging.fanout in ui/apps.py).

A re-balance runs on a Celery worker (embedded: a background thread), never on the charger
path; it reads the shares only for a panel some browser follows (one Redis read, ui.follows),
so re-balances nobody watches cost no query more."""

import logging
from dataclasses import asdict
from typing import Any

from ocpp_bridge.api.presenters import iso, iso_precise
from smart_charging.models import Panel, PanelSnapshot
from smart_charging.selectors import SessionShareRow, panel_session_shares
from ui import live
from ui.follows import is_followed

logger = logging.getLogger(__name__)


def panel_held_total(shares: list[SessionShareRow]) -> float:
    """A per phase its sessions may draw now, summed (each on its own phases)."""
    return round(sum(share.limit_amps or 0.0 for share in shares), 1)


def panel_chart(snapshots: list[PanelSnapshot]) -> dict[str, Any]:
    """The chart's data (ui/static/ui/charts.js): what the panel gave on its busiest phase
    after each re-balance, and its capacity then."""
    return {
        "given": {
            "x": [iso_precise(s.taken_at) for s in snapshots],
            "series": [
                {
                    "label": "Given (busiest phase, A)",
                    "values": [s.allocated_amps for s in snapshots],
                },
                {
                    "label": "Capacity (A)",
                    "values": [round(s.capacity_amps, 1) for s in snapshots],
                    "color": "#9a5b00",
                },
            ],
        }
    }


def share_present(share: SessionShareRow) -> dict[str, Any]:
    row = asdict(share)
    return {
        "identity": row["identity"],
        "assetId": str(row["asset_id"]),
        "online": row["online"],
        "evseId": row["evse_id"],
        "transactionId": row["transaction_id"],
        "startedAt": iso(row["started_at"]),
        "limitAmps": row["limit_amps"],
        "status": row["status"],
    }


def panels_rebalanced(events: list[dict[str, Any]]) -> None:
    """A panel tree was re-balanced: push each followed panel's new total, shares and chart
    point. Never raises (a listener of the fan-out)."""
    try:
        for event in events:
            group = live.panel_group(event["panelId"])
            if is_followed(group):
                live.push(group, "rebalanced", _rebalanced_push(event))
    except Exception:
        logger.exception("Could not push a re-balance to the web UI")


def _rebalanced_push(event: dict[str, Any]) -> dict[str, Any]:
    panel = Panel.objects.get(pk=event["panelId"])
    shares = panel_session_shares(panel)
    return {
        "panelId": event["panelId"],
        "heldTotal": panel_held_total(shares),
        "shares": [share_present(share) for share in shares],
        "point": {
            "at": event["takenAt"],
            "allocatedAmps": event["allocatedAmps"],
            "capacityAmps": event["capacityAmps"],
        },
    }
