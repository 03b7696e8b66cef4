"""What webhook deliveries count: each attempt's outcome and how long after its event it was
recorded. Fed at one seam: webhooks.sending.deliveries_record, which every sender records its
attempts through, once they are committed."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from observability import metrics

SUCCEEDED, RETRYING, FAILED = "succeeded", "retrying", "failed"
_OUTCOMES = {"succeeded": SUCCEEDED, "pending": RETRYING, "failed": FAILED}


def deliveries_attempted(deliveries: Iterable[Any]) -> None:
    """Deliveries (with `state` and `event_created_at`) just attempted and recorded: a
    succeeded one is done, a pending one waits for its retry, a failed one was given up."""
    now = timezone.now()
    for delivery in deliveries:
        outcome = _OUTCOMES.get(str(delivery.state), str(delivery.state))
        metrics.webhook_deliveries.labels(outcome).inc()
        age = (now - delivery.event_created_at).total_seconds()
        metrics.webhook_delivery_seconds.labels(outcome).observe(max(0.0, age))
