"""Which live-UI groups some browser follows, across processes, so that the flusher of
`ui.live` skips the groups nobody watches (with hundreds of busy stations and nobody on their
pages, that is nearly every push).

A count per group: a Redis hash with REDIS_URL, this process's memory without (embedded: the
browsers and the stations share the one process). A daphne killed with browsers attached
leaves its counts behind: their groups keep being pushed to nobody, which costs a little and
loses nothing. Redis is read with the plain client in a worker thread (a few times a second at
most): nothing here holds a connection bound to an event loop.
"""

import asyncio
from collections import Counter
from collections.abc import Iterable

from django.conf import settings

from csms.redis_client import redis_client

FOLLOWERS_KEY = "csms:ui:followers"

_local: Counter[str] = Counter()


async def follow(group: str) -> None:
    await _change(group, 1)


async def unfollow(group: str) -> None:
    await _change(group, -1)


async def followed_groups(groups: Iterable[str]) -> set[str]:
    """Those of `groups` that at least one browser follows."""
    wanted = list(groups)
    if not settings.REDIS_URL:
        return {group for group in wanted if _local[group] > 0}
    counts = await asyncio.to_thread(redis_client().hmget, FOLLOWERS_KEY, wanted)
    return {group for group, count in zip(wanted, counts, strict=True) if int(count or 0) > 0}


def is_followed(group: str) -> bool:
    """Whether a browser follows `group` now, read from a synchronous caller (a Celery
    worker's re-balance) before it reads what it would push."""
    if not settings.REDIS_URL:
        return _local[group] > 0
    return int(redis_client().hget(FOLLOWERS_KEY, group) or 0) > 0


async def _change(group: str, by: int) -> None:
    if settings.REDIS_URL:
        await asyncio.to_thread(redis_client().hincrby, FOLLOWERS_KEY, group, by)
    else:
        _local[group] += by
