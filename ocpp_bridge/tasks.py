"""Celery tasks: thin wrappers that call the call-delivery services by id."""

from celery import shared_task

from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next, ocpp_calls_sweep
from ocpp_bridge.services.presence import servers_sweep_dead


@shared_task(acks_late=True, ignore_result=True)
def deliver_station_calls(asset_id: str) -> None:
    """Send the station's next queued call if none is outstanding. Idempotent."""
    ocpp_call_dispatch_next(asset_id=asset_id)


@shared_task(ignore_result=True)
def sweep_overdue_calls() -> int:
    """Time out sent calls whose deadline passed and move stalled queues on (also done by
    every daphne heartbeat; this covers the case of none being left)."""
    return ocpp_calls_sweep()


@shared_task(ignore_result=True)
def sweep_dead_servers() -> int:
    """Take offline the stations of daphne processes that stopped beating."""
    return len(servers_sweep_dead())
