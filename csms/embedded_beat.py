"""Celery beat's schedule, run inside the daphne process in the embedded setup.

The embedded setup (no REDIS_URL: tasks run in process) has no beat process, so without this
its periodic jobs (silent sessions, cards charging twice, pruning...) never ran. Each heartbeat
of the daphne process (ocpp_bridge.charger.heartbeat) asks which entries of
CELERY_BEAT_SCHEDULE came due and runs them on a small thread pool, off the event loop. An
entry still running when it comes due again is not started twice. With a broker, Celery beat
runs the schedule and this does nothing.
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def interval_seconds(schedule: Any) -> float | None:
    """An entry's period; None for a schedule other than a fixed interval (not run here)."""
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    return None


class EmbeddedBeat:
    """Which entries are due, and running them; each entry runs first at the first tick."""

    def __init__(self, schedule: Mapping[str, Mapping[str, Any]], *, workers: int = 2) -> None:
        self._entries: dict[str, tuple[str, float]] = {}
        for name, entry in schedule.items():
            every = interval_seconds(entry.get("schedule"))
            if every is None:
                logger.warning("Beat entry %s has no fixed interval: not run in process", name)
                continue
            self._entries[name] = (entry["task"], every)
        self._last_started: dict[str, float] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def due(self, now: float) -> list[str]:
        """The entries to start at monotonic time `now`, marked as started."""
        with self._lock:
            names = [
                name
                for name, (_, every) in self._entries.items()
                if name not in self._running
                and now - self._last_started.get(name, float("-inf")) >= every
            ]
            for name in names:
                self._last_started[name] = now
                self._running.add(name)
        return names

    def tick(self) -> None:
        """Start the due entries in the background; returns at once."""
        for name in self.due(time.monotonic()):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="beat")
            self._pool.submit(self._run, name, import_string(self._entries[name][0]))

    def _run(self, name: str, task: Callable[[], Any]) -> None:
        try:
            task()
        except Exception:
            logger.exception("Beat entry %s failed", name)
        finally:
            close_old_connections()
            with self._lock:
                self._running.discard(name)


_beat: EmbeddedBeat | None = None


def embedded_beat_tick() -> None:
    """Run the beat schedule's due entries in this process, in the embedded setup only."""
    global _beat
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_BEAT):
        return
    if _beat is None:
        _beat = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE)
    _beat.tick()
