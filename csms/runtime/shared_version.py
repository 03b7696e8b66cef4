"""A version token that every process reads to know whether what it cached is still current.

A change replaces the token (after its transaction commits), so every process sees it on its
next read: one Redis GET instead of the query the cache saves. Without Redis (embedded, one
process) the token lives in this process.
"""

import logging
import uuid

from django.conf import settings

from csms.redis_client import redis_client

logger = logging.getLogger(__name__)


class SharedVersion:
    def __init__(self, key: str) -> None:
        self.key = key
        self.local = uuid.uuid4().hex

    def current(self) -> str | None:
        """The version now (None: never set). Raises if Redis cannot be read: the caller must
        then not trust its cache."""
        if not settings.REDIS_URL:
            return self.local
        value = redis_client().get(self.key)
        if isinstance(value, bytes):
            return value.decode()
        return value

    def replace(self) -> None:
        """What the caches hold changed: every process reloads on its next read."""
        self.local = uuid.uuid4().hex
        if settings.REDIS_URL:
            try:
                redis_client().set(self.key, self.local)
            except Exception:  # other processes see the change when Redis is back (a new token)
                logger.exception("Could not publish a new version of %s", self.key)
