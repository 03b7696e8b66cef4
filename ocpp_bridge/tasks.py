"""Celery tasks: thin wrappers that call the call-delivery services by id."""

from celery import shared_task
from django.conf import settings

from ocpp_bridge.calls.delivery import ocpp_calls_dispatch_next, ocpp_calls_sweep
from ocpp_bridge.charger.presence import server_beat, servers_sweep_dead

# Celery beat's sweep judges as a process does: it beats too (holding no sockets), so a sweep
# right after a database outage gives every process its full time to beat again.
CELERY_SWEEPER = "celery-beat-sweeper"


@shared_task(acks_late=True, ignore_result=True)
def deliver_calls_of_stations(asset_ids: list[str]) -> None:
    """Send each station's next queued call if none is outstanding. Idempotent."""
    ocpp_calls_dispatch_next(asset_ids=asset_ids, look_first=False)  # queued before this task


@shared_task(ignore_result=True)
def sweep_overdue_calls() -> int:
    """Time out sent calls whose deadline passed and move stalled queues on (also done by
    every daphne heartbeat; this covers the case of none being left)."""
    return ocpp_calls_sweep()


@shared_task(ignore_result=True)
def sweep_dead_servers() -> int:
    """Take offline the stations of daphne processes that stopped beating."""
    server_beat(name=CELERY_SWEEPER, every=settings.SERVER_SWEEP_SECONDS)
    return len(servers_sweep_dead(sweeper=CELERY_SWEEPER))
