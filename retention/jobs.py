"""The retention run: every kind of data pruned in turn, one failure not stopping the rest.
Celery beat runs it hourly (retention.tasks); in the embedded setup the daphne process runs
beat's schedule itself (csms.embedded_beat)."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from retention import services
from retention.archive import frame_archive_hook
from smart_charging.installed_profiles import profiles_requests_prune
from webhooks.services import deliveries_prune

logger = logging.getLogger(__name__)


def _rotate(now: datetime) -> Any:
    return services.frame_partitions_rotate(now=now, before_drop=frame_archive_hook())


def _tokens(now: datetime) -> Any:
    services.oauth_tokens_prune()
    return "done"


# In order: partitions are created ahead before anything else can fail.
JOBS: list[tuple[str, Callable[[datetime], Any]]] = [
    ("frame partitions (created, dropped)", _rotate),
    ("frames", lambda now: services.frames_prune(now=now)),
    ("calls", lambda now: services.calls_prune(now=now)),
    ("connections", lambda now: services.connections_prune(now=now)),
    ("meter samples", lambda now: services.meter_samples_prune(now=now)),
    ("connector status changes", lambda now: services.status_changes_prune(now=now)),
    ("connector availability days", lambda now: services.availability_days_prune(now=now)),
    ("webhook deliveries", lambda now: deliveries_prune(now=now)),
    ("charging profile requests", lambda now: profiles_requests_prune(now=now)),
    ("oauth tokens", _tokens),
]


def retention_run(*, now: datetime | None = None) -> dict[str, Any]:
    """Prune every kind of data past its retention; what each job removed (or the error
    that stopped it, logged). Run it outside a transaction: each batch is its own."""
    now = now or timezone.now()
    report: dict[str, Any] = {}
    for name, job in JOBS:
        try:
            report[name] = job(now)
        except Exception as error:
            logger.exception("Retention job %r failed", name)
            report[name] = error
    logger.info("Retention run: %s", report)
    return report
