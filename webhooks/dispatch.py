"""Starting the sending of deliveries without making the caller wait for it.

The caller (the thread answering a station) only adds ids to this process's kick buffer; a
background thread flushes it every few milliseconds as one Celery task on the `webhooks` queue
(or, in the embedded setup where tasks run in process, to a small thread pool). So a station's
answer never waits on the broker, and a slow receiver never keeps anyone waiting but itself.
The buffer is only a shortcut: a kick lost with its process delays a delivery until the
periodic sweep, it never loses it (the deliveries are rows).
"""

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 0.02
MAX_IDS_PER_TASK = 200


class KickBuffer:
    """Delivery ids waiting to be handed to a sender, flushed by one thread per process."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._owner_pid = 0

    def add(self, ids: Sequence[str]) -> None:
        with self._lock:
            self._ids.extend(ids)
            if self._owner_pid != os.getpid():  # first use, or a forked child
                self._owner_pid = os.getpid()
                threading.Thread(
                    target=self._flush_forever, name="webhook-kicks", daemon=True
                ).start()
        self._wake.set()

    def _flush_forever(self) -> None:
        while True:
            self._wake.wait()
            threading.Event().wait(FLUSH_EVERY_SECONDS)  # let a burst gather
            with self._lock:
                ids, self._ids = self._ids, []
                self._wake.clear()
            for start in range(0, len(ids), MAX_IDS_PER_TASK):
                _hand_over(ids[start : start + MAX_IDS_PER_TASK])


_buffer = KickBuffer()
_pool: ThreadPoolExecutor | None = None


def deliveries_kick(delivery_ids: Sequence[Any]) -> None:
    """Have these deliveries sent soon. Call it after commit; returns at once."""
    if delivery_ids:
        _buffer.add([str(delivery_id) for delivery_id in delivery_ids])


def _hand_over(ids: list[str]) -> None:
    from webhooks.tasks import send_deliveries  # the tasks module imports the services

    if settings.CELERY_TASK_ALWAYS_EAGER:
        in_process_submit(send_deliveries, ids)
        return
    try:
        send_deliveries.delay(ids)
    except Exception:  # the broker is down: the sweep sends them when it is back
        logger.warning("Could not queue %d webhook deliveries", len(ids), exc_info=True)


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
