"""Starting the sending of deliveries without making the caller wait for it.

With a broker, a Celery task on the `webhooks` queue sends them. In the embedded setup (tasks
run in process) a small thread pool does, never the caller's thread: that thread is answering
a station, and a receiver taking 30 s must not make the station wait.
"""

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None


def deliveries_kick(delivery_ids: Sequence[Any]) -> None:
    """Have these deliveries sent soon. Call it after commit. A lost kick delays a delivery
    until the periodic sweep, it never loses it."""
    ids = [str(delivery_id) for delivery_id in delivery_ids]
    if not ids:
        return
    from webhooks.tasks import send_deliveries  # the tasks module imports the services

    if settings.CELERY_TASK_ALWAYS_EAGER:
        in_process_submit(send_deliveries, ids)
        return
    try:
        send_deliveries.delay(ids)
    except Exception:  # the broker is down: the sweep sends them when it is back
        logger.warning("Could not queue webhook deliveries %s", ids, exc_info=True)


def in_process_submit(task: Any, *args: Any) -> None:
    """Run a task in the embedded setup's background threads."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhooks")
    _pool.submit(_run, task, *args)


def _run(task: Any, *args: Any) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("Webhook task %s failed", getattr(task, "name", task))
    finally:
        close_old_connections()


def embedded_periodic_jobs() -> None:
    """Without Celery beat (the embedded setup), the daphne heartbeat calls this each beat:
    retries that came due are sent in the background threads."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from webhooks.tasks import send_due_deliveries

        in_process_submit(send_due_deliveries)
