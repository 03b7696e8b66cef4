"""One re-balance of a panel at a time, across every process, on the panel's row alone.

A request first marks the panel pending, then tries to take the lease. Whoever holds it
re-runs while requests came in meanwhile, and lets go only when none is pending: a request
never falls between a run that ended and a lease released (it would find the lease free).
A lease outlives a dead holder by LEASE at most.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from smart_charging.models import Panel

LEASE = timedelta(seconds=120)


def _take(panel_id: Any) -> bool:
    now = timezone.now()
    free = Q(rebalance_lease_until__isnull=True) | Q(rebalance_lease_until__lt=now)
    return bool(Panel.objects.filter(free, pk=panel_id).update(rebalance_lease_until=now + LEASE))


def with_panel_lease(panel_id: Any, run: Callable[[Any], None]) -> bool:
    """Run `run(panel_id)` until no request is pending, under the panel's lease; False when
    another holder has it (it will run for this request)."""
    Panel.objects.filter(pk=panel_id).update(rebalance_pending=True)
    if not _take(panel_id):
        return False
    try:
        while True:
            Panel.objects.filter(pk=panel_id).update(
                rebalance_pending=False, rebalance_lease_until=timezone.now() + LEASE
            )
            run(panel_id)
            idle = Panel.objects.filter(pk=panel_id, rebalance_pending=False)
            if idle.update(rebalance_lease_until=None):
                return True
    except BaseException:
        Panel.objects.filter(pk=panel_id).update(rebalance_lease_until=None)
        raise
