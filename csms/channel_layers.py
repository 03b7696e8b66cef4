"""The Redis channel layer, made to outlive a Redis restart.

With channels-redis as it comes, a Redis that goes away for a second kills every consumer of a
daphne process: the error of the one receive that waits on Redis reaches a consumer, daphne
closes its socket (1011), and every station of the process reconnects at once. Here the process's
single receive waits out the outage instead (it holds the layer's receive lock, so one coroutine
per process polls Redis, not one per station), and the sockets stay up; a command on a pooled
connection that the restart broke runs again on a new one. Group memberships, which
a restarted Redis no longer holds, are written again once it answers, and every hour as well:
channels-redis forgets a member after `group_expiry`, and a station may stay connected for months.
"""

import asyncio
import logging
import random
import time
from collections import defaultdict
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


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def with_retry(host: dict[str, Any] | str) -> dict[str, Any]:
    """redis-py's asyncio connections do not retry by default: after a restart each pooled
    connection it broke would fail one send. With this, the command runs again on a new one."""
    config = {"address": host} if isinstance(host, str) else dict(host)
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
                received = await super().receive_single(channel)
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
