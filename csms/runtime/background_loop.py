"""One event loop per process, on a thread of its own, for sync code that talks to the channel
layer outside any server's loop (a Celery worker above all).

asgiref's `async_to_sync`, called where no event loop runs, makes a new loop for every call,
and channels-redis a new connection pool (a new Redis connection) for every loop: several times
the CPU per send of a loop that lives (docs/PERFORMANCE.md, fix 6). Only with Redis: the
in-memory layer of the embedded default lives in one process and keeps `async_to_sync`.
"""

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

T = TypeVar("T")

# Long enough for the channel layer's own retries of a broken connection (well under a second).
RESULT_TIMEOUT_SECONDS = 10.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def run_on_background_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on this process's background loop and return its result (or raise)."""
    future = asyncio.run_coroutine_threadsafe(coroutine, _background_loop())
    try:
        return future.result(RESULT_TIMEOUT_SECONDS)
    except TimeoutError:
        future.cancel()
        raise


def channel_layer_do(method: str, *args: Any) -> Any:
    """`get_channel_layer().<method>(*args)` from sync code, e.g. ("send", channel, event)."""
    call: Callable[..., Coroutine[Any, Any, Any]] = getattr(get_channel_layer(), method)
    return _awaited_from_sync(call, *args)


def channel_layer_send_many(
    messages: Sequence[tuple[str, dict[str, Any]]],
) -> list[Exception | None]:
    """Send each (channel, event) at once, concurrently: one wait for all, where sending them
    one after another waits once per message. Returns, in order, each send's error or None."""

    async def send_all() -> list[Exception | None]:
        layer = get_channel_layer()
        sent = await asyncio.gather(
            *(layer.send(channel, event) for channel, event in messages), return_exceptions=True
        )
        return [outcome if isinstance(outcome, Exception) else None for outcome in sent]

    if not messages:
        return []
    return _awaited_from_sync(send_all)


def _awaited_from_sync(function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """`await function(*args)` from sync code: on the background loop with Redis, through
    `async_to_sync` with the in-memory layer (see the module docstring)."""
    if not settings.REDIS_URL:
        return async_to_sync(function)(*args)
    return run_on_background_loop(function(*args))


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        # A forked child (e.g. a prefork pool's worker) inherits no running thread: start anew.
        if _loop is None or _loop_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(
                target=_loop.run_forever, name="background-event-loop", daemon=True
            ).start()
        return _loop
