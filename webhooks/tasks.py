"""Celery tasks (queue `webhooks`): thin wrappers over webhooks.sending and services."""

from celery import shared_task

from observability.webhooks import deliveries_attempted
from webhooks.sending import deliveries_send
from webhooks.services import deliveries_prune


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(delivery_ids: list[str]) -> int:
    """Send these deliveries if still due. Idempotent: a sent one is no longer due."""
    sent = deliveries_send(delivery_ids=delivery_ids)
    deliveries_attempted(sent)
    return len(sent)


@shared_task(ignore_result=True)
def send_due_deliveries() -> int:
    """Retries whose time came, deliveries whose kick was lost or whose sender died."""
    sent = 0
    while batch := deliveries_send():
        deliveries_attempted(batch)
        sent += len(batch)
    return sent


@shared_task(ignore_result=True)
def prune_deliveries() -> int:
    return deliveries_prune()
