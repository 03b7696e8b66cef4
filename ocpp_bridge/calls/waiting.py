"""Synchronous requests: wait for a call's final state without holding a database connection.

The outcome writer wakes the waiter after commit; the waiter then re-reads the row, which is
the truth. With Redis the wake-up is a per-call list: the writer LPUSHes, the waiter BLPOPs on
a plain blocking client in its own thread. (channels-redis' `receive`, cancelled by a timeout
at every poll by many waiters at once, strands wake-ups and left every request to its poll's
re-read: docs/PERFORMANCE.md, fix 2.) Embedded, without Redis, the in-memory channel layer
carries it within the one process.
"""

import asyncio
import contextlib
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from redis.exceptions import RedisError

from csms.redis_client import redis_client
from ocpp_bridge.models import OcppCall
from ocpp_bridge.statements import CALL_BY_ID

# A wake-up can be lost (a process died between commit and notify): re-read at least this often.
POLL_SECONDS = 1.0
REDIS_REPLY_PREFIX = "csms:call-reply:"
# An unread wake-up (its waiter gave up) must not outlive the longest possible wait by much.
REDIS_REPLY_TTL_SECONDS = 120


def new_reply_channel() -> str:
    if settings.REDIS_URL:
        return f"{REDIS_REPLY_PREFIX}{uuid.uuid4().hex}"
    return async_to_sync(get_channel_layer().new_channel)("call-reply.")


def notify_waiter(channel: str) -> None:
    """Wake the synchronous request waiting on `channel`; it re-reads the row itself."""
    if channel.startswith(REDIS_REPLY_PREFIX):
        with redis_client().pipeline() as pipe:
            pipe.lpush(channel, 1)
            pipe.expire(channel, REDIS_REPLY_TTL_SECONDS)
            pipe.execute()
    else:
        async_to_sync(get_channel_layer().send)(channel, {"type": "call.final"})


def ocpp_call_wait(call: OcppCall, *, channel: str, timeout: float) -> OcppCall:
    """Block until the call is final or `timeout` seconds passed; returns the row as stored.
    `call` is as just queued: a wake-up that came before this wait is waiting for it (the
    Redis list, the channel), so there is nothing to re-read first. A wake-up left unread
    (the row was seen final at a poll first) expires by itself."""
    deadline = time.monotonic() + timeout
    while not call.is_final:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        _release_connection()
        _wait_for_wake_up(channel, min(remaining, POLL_SECONDS))
        call = CALL_BY_ID.get(call.pk) or call  # (a call deleted meanwhile: waited out)
    return call


def wake_up_wait(channel: str, timeout: float) -> None:
    """Sleep, without a database connection, until `channel` is notified (notify_waiter) or
    `timeout` seconds pass: for waits on rows other than a call's (a station's reports)."""
    _release_connection()
    _wait_for_wake_up(channel, timeout)


def _release_connection() -> None:
    """Hand the database connection back (to the pool) while asleep: many waiting requests
    must not hold the connections that the stations' answers need to be stored."""
    if not connection.in_atomic_block:
        connection.close()


def _wait_for_wake_up(channel: str, timeout: float) -> None:
    if channel.startswith(REDIS_REPLY_PREFIX):
        try:
            # BLPOP takes whole or fractional seconds; 0 would mean forever.
            redis_client().blpop([channel], timeout=max(timeout, 0.01))
        except RedisError:  # Redis restarting: the row is the truth, re-read it at the poll pace
            time.sleep(timeout)
    else:
        async_to_sync(_receive)(channel, timeout)


async def _receive(channel: str, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(get_channel_layer().receive(channel), timeout)
