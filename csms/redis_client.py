"""One plain (blocking) Redis client per process, for the small things that are not channel
layer messages: call wake-ups, cache versions, who follows the live UI. Only with REDIS_URL."""

import functools

import redis
from django.conf import settings


@functools.cache
def redis_client() -> redis.Redis:
    """Thread-safe: redis-py hands each command a connection from the client's pool."""
    return redis.Redis.from_url(settings.REDIS_URL)
