"""Ask the Celery workers to deliver the calls just queued, many stations per task.

Every queued call needs a delivery task (ocpp_bridge.tasks). One publish per call was a large
share of daphne's CPU in the async benchmark (kombu's publish path), and the worker spent as
much again receiving, acknowledging and tracing one task per call (docs/PERFORMANCE.md,
fix 19). Here
each process gathers the stations whose calls were committed while its previous publish was
under way, and publishes them as one task. An async call's request also lingers up to
OCPP_DELIVERY_LINGER_MS for others to join it: calls arriving one HTTP request at a time
otherwise made tasks of one or two stations, each costing the worker a whole task (fix 27).
A synchronous call, whose caller waits, is published at once with whatever is gathered.

A station gathered but never published (the process died, the broker was unreachable) keeps
its calls queued: the calls sweep dispatches them within seconds, as for any lost task. With
tasks run in process (CELERY_TASK_ALWAYS_EAGER, the embedded default) nothing is gathered:
the delivery runs at once, in the caller's thread, as the caller expects of an eager task.
"""

import atexit
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

# Upper bound on the stations of one task. A task claims its stations' calls in one
# transaction and hands them over together, so more per task costs the worker less per call
# (docs/PERFORMANCE.md, fix 41). But one task's stations all wait for its claim, which holds
# their rows locked, and much larger tasks were slower again (same fix).
MAX_STATIONS_PER_TASK = 50

Publish = Callable[[list[str]], None]


class DeliveryRequests:
    """Stations gathered from any thread, published by one background thread per process."""

    def __init__(
        self,
        publish: Publish,
        *,
        max_per_task: int = MAX_STATIONS_PER_TASK,
        linger_seconds: float = 0.0,
    ) -> None:
        self.publish = publish
        self.max_per_task = max_per_task
        self.linger_seconds = linger_seconds
        self.pending: dict[str, None] = {}  # an ordered set: first queued, first delivered
        self.urgent: set[str] = set()  # pending stations whose caller waits for the answer
        self.wake = threading.Condition()
        self.thread: threading.Thread | None = None

    def request(self, asset_id: str, *, urgent: bool = False) -> None:
        """Have the station's queued calls delivered (published soon, from another thread).
        Unless `urgent`, the request may wait up to `linger_seconds` for others to share its
        task."""
        with self.wake:
            self.pending[asset_id] = None
            if urgent:
                self.urgent.add(asset_id)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._publish_forever, name="delivery-requests", daemon=True
                )
                self.thread.start()
            self.wake.notify()

    def flush(self) -> None:
        """Publish what is pending now, in this thread (at exit: daemon threads just stop)."""
        while batch := self._take(block=False):
            self._publish(batch)

    def _publish_forever(self) -> None:
        while True:
            self._publish(self._take(block=True))

    def _take(self, *, block: bool) -> list[str]:
        with self.wake:
            while block and not self.pending:
                self.wake.wait()
            if block:
                self._linger()
            batch = list(self.pending)[: self.max_per_task]
            for asset_id in batch:
                del self.pending[asset_id]
                self.urgent.discard(asset_id)
            return batch

    def _linger(self) -> None:
        """Wait (holding the condition) until a task is full, a request is urgent or the
        linger has passed. Async calls arrive one HTTP request at a time: without it, a task
        held one or two stations under load, and the worker's cost per call was that of a
        whole task (docs/PERFORMANCE.md, 12-01)."""
        deadline = time.monotonic() + self.linger_seconds
        while len(self.pending) < self.max_per_task and not self.urgent:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.wake.wait(left)

    def _publish(self, batch: list[str]) -> None:
        try:
            self.publish(batch)
        except Exception:
            # E.g. the broker is unreachable (Redis restarting). The calls are committed and
            # stay queued: the calls sweep dispatches them within seconds.
            logger.warning("Could not request delivery for %d stations", len(batch), exc_info=True)


def _publish_task(asset_ids: list[str]) -> None:
    from ocpp_bridge.tasks import deliver_calls_of_stations

    deliver_calls_of_stations.delay(asset_ids)


delivery_requests = DeliveryRequests(
    _publish_task, linger_seconds=settings.OCPP_DELIVERY_LINGER_MS / 1000
)
atexit.register(delivery_requests.flush)


def delivery_request(asset_id: str, *, caller_waits: bool = False) -> None:
    """Have the station's queued calls delivered: soon, in a task published from this process's
    gatherer (at once when `caller_waits`: a synchronous call), or now when tasks run in
    process."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _publish_task([asset_id])
    else:
        delivery_requests.request(asset_id, urgent=caller_waits)
