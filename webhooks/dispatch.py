"""Waking the webhook senders when deliveries are written, without making the caller wait.

The caller (the thread answering a station) only adds ids to this process's kick buffer; a
background thread flushes it every few milliseconds as one wake-up: a Redis PUBLISH that every
sender process hears (webhooks.sender.kicks_listen), or, in the embedded setup where tasks run
in process, a call to the server's own sender thread. So a station's answer never waits on
Redis or a receiver. A kick is only a shortcut: a lost one delays a delivery until the senders'
next poll, it never loses it (the deliveries are rows).
"""

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from csms.throttled_log import ThrottledLog

logger = logging.getLogger(__name__)

FLUSH_EVERY_SECONDS = 0.02
_publish_failures = ThrottledLog(logger)


class KickBuffer:
    """Whether deliveries were written since the last wake-up, flushed by one thread per
    process."""

    def __init__(self) -> None:
        self._pending = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._owner_pid = 0

    def add(self, count: int) -> None:
        with self._lock:
            self._pending += count
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
                pending, self._pending = self._pending, 0
                self._wake.clear()
            if pending:
                senders_wake()


_buffer = KickBuffer()


def deliveries_kick(delivery_ids: Sequence[Any]) -> None:
    """Have these deliveries sent soon. Call it after commit; returns at once."""
    if delivery_ids:
        _buffer.add(len(delivery_ids))


def senders_wake(*, start_embedded: bool = False) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:  # embedded: the sender is a thread of the server
        from webhooks.embedded import embedded_sender

        embedded_sender.wake(start=start_embedded)
        return
    from csms.redis_client import redis_client
    from webhooks.sender import KICK_CHANNEL

    try:
        redis_client().publish(KICK_CHANNEL, b"1")
    except Exception:  # Redis is down: the senders' poll finds the deliveries
        _publish_failures.warning("Could not wake the webhook senders")


def embedded_periodic_jobs() -> None:
    """Without sender processes (the embedded setup), the daphne heartbeat calls this each
    beat: the server's sender thread runs, and retries that came due are sent. Not where
    EMBEDDED_BEAT is off (a test process: its sender would take deliveries the tests' own
    servers and senders are counted on)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_BEAT:
        senders_wake(start_embedded=True)
