"""The Redis channel layer, made to outlive a Redis restart.

With channels-redis as it comes, a Redis that goes away for a second kills every consumer of a
daphne process: the error of the one receive that waits on Redis reaches a consumer, daphne
closes its socket (1011), and every station of the process reconnects at once. Here the process's
single receive waits out the outage instead (it holds the layer's receive lock, so one coroutine
per process polls Redis, not one per station), and the sockets stay up; a command on a pooled
connection that the restart broke runs again on a new one. Group memberships, which
a restarted Redis no longer holds, are written again once it answers, and every hour as well:
channels-redis forgets a member after `group_expiry`, and a station may stay connected for months.

It also takes the process's messages from Redis in batches. channels-redis takes them one at a
time, several round trips each on the busy event loop, and under load a process's inbox in
Redis grew faster than it was read, answers stored long after they were sent
(docs/PERFORMANCE.md, fix 5). Here one fetch takes up to
`RECEIVE_BATCH` at once into a process-level queue that the receive lock's holders hand out in
order. The fetch runs as a task of its own that a cancelled receiver only stops waiting for, so
a consumer cancelled mid-fetch (its station disconnected) leaves what was taken to the next one:
nothing taken from Redis is lost while the process lives.
"""

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

# Only refused or broken connections: redis-py may report a cancelled read as a timeout
# (asyncio.timeout inside it turns the cancellation into TimeoutError, and clears the task's
# cancelling count), and retrying that would make a consumer impossible to stop.
REDIS_UNREACHABLE = (RedisConnectionError,)
FIRST_RETRY_SECONDS = 0.2
LAST_RETRY_SECONDS = 5.0
GROUPS_REFRESH_SECONDS = 3600.0
RECEIVE_BATCH = 100


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def with_retry(host: dict[str, Any] | str) -> dict[str, Any]:
    """redis-py's asyncio connections do not retry by default: after a restart each pooled
    connection it broke would fail one send. With this, the command runs again on a new one."""
    config: dict[str, Any] = {"address": host} if isinstance(host, str) else dict(host)
    config.setdefault("address", "redis://localhost:6379")
    # Not on timeouts: see REDIS_UNREACHABLE.
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), 3, supported_errors=REDIS_UNREACHABLE)
    config.setdefault("retry", retry)
    return config


class OutageSurvivingRedisChannelLayer(RedisChannelLayer):
    def __init__(self, hosts: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(hosts=[with_retry(host) for host in hosts or [{}]], **kwargs)
        # This process's memberships, to write them again into a Redis that lost them.
        self.memberships: defaultdict[str, set[str]] = defaultdict(set)
        self.groups_written_at = time.monotonic()
        self.groups_refresh: asyncio.Task[None] | None = None
        # Per process channel: messages fetched and not yet handed out, and the fetch running.
        self.ahead: defaultdict[str, deque[bytes]] = defaultdict(deque)
        self.fetches: dict[str, asyncio.Task[None]] = {}

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self.memberships[group].add(channel)

    async def group_discard(self, group: str, channel: str) -> None:
        members = self.memberships.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.memberships[group]
        await super().group_discard(group, channel)

    async def receive_single(self, channel: str) -> Any:
        """Called only by the holder of the process's receive lock; see the module docstring."""
        delay = FIRST_RETRY_SECONDS
        failed_since: float | None = None
        while True:
            try:
                received = await self._receive_one(channel)
            except REDIS_UNREACHABLE as error:
                if _being_cancelled():
                    raise asyncio.CancelledError from error
                if failed_since is None:
                    failed_since = time.monotonic()
                    logger.warning("Redis unreachable, the channel layer waits for it: %s", error)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, LAST_RETRY_SECONDS)
                continue
            if failed_since is not None:
                logger.warning(
                    "Redis answers again after %.1f s: group memberships written again",
                    time.monotonic() - failed_since,
                )
                self.write_groups_again()
            elif time.monotonic() - self.groups_written_at > GROUPS_REFRESH_SECONDS:
                self.write_groups_again()
            return received

    async def _receive_one(self, channel: str) -> tuple[Any, Any]:
        if "!" not in channel:  # a plain named channel: no batches, several readers may share it
            return await super().receive_single(channel)
        ahead = self.ahead[channel]
        while not ahead:
            fetch = self.fetches.get(channel)
            if fetch is None or fetch.done():  # (its done callback may not have run yet)
                fetch = asyncio.ensure_future(self._fetch_batch(channel, ahead))
                self.fetches[channel] = fetch
                fetch.add_done_callback(lambda done: self._fetch_done(channel, done))
            # Shielded: a receiver cancelled here leaves the batch to the next receiver.
            await asyncio.shield(fetch)
        message = self.deserialize(ahead.popleft())
        # Sent to a group: one copy for all of this process's members, listed in the message.
        return message.pop("__asgi_channel__", channel), message

    async def _fetch_batch(self, channel: str, ahead: deque[bytes]) -> None:
        """Move up to RECEIVE_BATCH waiting messages into `ahead`, waiting for one if none is."""
        connection = self.connection(self.consistent_hash(channel))
        key = self.prefix + channel
        popped = await connection.zpopmin(key, RECEIVE_BATCH)
        if not popped:
            first = await connection.bzpopmin(key, timeout=self.brpop_timeout)
            if first is None:
                return
            ahead.append(first[1])
            popped = await connection.zpopmin(key, RECEIVE_BATCH - 1)
        ahead.extend(member for member, _score in popped)

    def _fetch_done(self, channel: str, fetch: asyncio.Task[None]) -> None:
        if self.fetches.get(channel) is fetch:
            del self.fetches[channel]
        if not fetch.cancelled() and fetch.exception() is not None:
            # Marked as seen: the receiver that awaited it, if any, raised it already.
            logger.debug("Fetch of %s failed: %s", channel, fetch.exception())

    def write_groups_again(self) -> None:
        self.groups_written_at = time.monotonic()
        if self.groups_refresh is None or self.groups_refresh.done():
            self.groups_refresh = asyncio.get_running_loop().create_task(self._write_groups())

    async def _write_groups(self) -> None:
        try:
            for group, members in list(self.memberships.items()):
                for channel in list(members):
                    await super().group_add(group, channel)
        except REDIS_UNREACHABLE:
            logger.warning("Could not write the group memberships again; next receive retries")
            self.groups_written_at = float("-inf")
