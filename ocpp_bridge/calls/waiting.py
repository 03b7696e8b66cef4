"""Synchronous requests: wait for a call's final state without holding a database connection."""

import asyncio
import contextlib
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ocpp_bridge.models import OcppCall

# A wake-up can be lost (a process died between commit and notify): re-read at least this often.
POLL_SECONDS = 1.0


def new_reply_channel() -> str:
    return async_to_sync(get_channel_layer().new_channel)("call-reply.")


def ocpp_call_wait(call: OcppCall, *, channel: str, timeout: float) -> OcppCall:
    """Block until the call is final or `timeout` seconds passed; returns the row as stored."""
    deadline = time.monotonic() + timeout
    call.refresh_from_db()
    while not call.is_final:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        async_to_sync(_receive)(channel, min(remaining, POLL_SECONDS))
        call.refresh_from_db()
    return call


async def _receive(channel: str, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(get_channel_layer().receive(channel), timeout)
