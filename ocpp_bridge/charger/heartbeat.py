"""This daphne process's heartbeat loop (see ocpp_bridge.charger.presence)."""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from csms.runtime.gc_tuning import frozen_swept, sweep_due
from ocpp_bridge.calls.delivery import ocpp_calls_sweep
from ocpp_bridge.charger.connections import SERVER_INSTANCE
from ocpp_bridge.charger.presence import server_beat_and_sweep
from retention.jobs import retention_embedded_tick
from webhooks.dispatch import embedded_periodic_jobs

logger = logging.getLogger(__name__)

# Every consumer of this process joins it, so a swept process can close its sockets at once.
PROCESS_GROUP = "server." + "".join(c if c.isalnum() else "-" for c in SERVER_INSTANCE)

_loop_task: asyncio.Task[None] | None = None
_first_beat: asyncio.Future[None] | None = None


async def ensure_heartbeat() -> None:
    """Start this process's heartbeat on the running loop once, and wait for its first beat
    (a process must be registered before it records connections)."""
    global _loop_task, _first_beat
    loop = asyncio.get_running_loop()
    if _loop_task is None or _loop_task.done() or _loop_task.get_loop() is not loop:
        _first_beat = loop.create_future()
        _loop_task = loop.create_task(_beat_forever(_first_beat))
    assert _first_beat is not None
    await asyncio.shield(_first_beat)


async def _beat_forever(first_beat: asyncio.Future[None]) -> None:
    beat_and_sweep = database_sync_to_async(server_beat_and_sweep, thread_sensitive=False)
    # Calls left by a dead consumer or a lost delivery task: beat does it too, but every
    # process doing it each beat bounds how long a station's queue can stall.
    sweep_calls = database_sync_to_async(ocpp_calls_sweep, thread_sensitive=False)
    frozen_swept_at = time.monotonic()
    while True:
        try:
            if not await beat_and_sweep():
                logger.error("This process was swept as dead: closing its station sockets")
                await get_channel_layer().group_send(PROCESS_GROUP, {"type": "ocpp.replaced"})
            await sweep_calls()
            embedded_periodic_jobs()
            retention_embedded_tick()
        except Exception:  # a database hiccup must not stop the heartbeat for good
            logger.exception("Heartbeat of %s failed", SERVER_INSTANCE)
        # Outside the database's try: stations reconnecting through an outage still get their
        # closed connections' memory back.
        if sweep_due(
            time.monotonic() - frozen_swept_at,
            every_seconds=settings.GC_FROZEN_SWEEP_SECONDS,
            closed_limit=settings.GC_FROZEN_SWEEP_AFTER_CLOSED,
        ):
            frozen_swept_at = time.monotonic()
            _frozen_garbage_collected()
        if not first_beat.done():
            first_beat.set_result(None)
        await asyncio.sleep(settings.OCPP_SERVER_BEAT_SECONDS)


def _frozen_garbage_collected() -> None:
    """The closed connections' cycles among the objects frozen since the last sweep
    (csms/runtime/gc_tuning.py): one full collection, timed in the log so its pause can be seen."""
    started = time.perf_counter()
    collected = frozen_swept()
    logger.info(
        "Swept frozen objects: %d collected in %.0f ms",
        collected,
        (time.perf_counter() - started) * 1000,
    )
