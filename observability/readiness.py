"""Is this process ready to serve: PostgreSQL, Redis, the Celery broker and the channel layer
reachable, every migration applied. Each check runs with a deadline and all run at once, so
/readyz answers within READINESS_TIMEOUT_SECONDS even with a service that hangs. The reasons
of a failure are logged; what /readyz tells anyone is the check's name and the error's class.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from csms.redis_client import redis_client

logger = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]
_migrations_applied = False  # once true, true until the next deploy (a new process)


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        raise RuntimeError(f"{len(unapplied)} migrations not applied")
    _migrations_applied = True


def _redis() -> None:
    redis_client().ping()


def _broker() -> None:
    from csms.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, timeout=int(settings.READINESS_TIMEOUT_SECONDS) or 1
        )


async def _channel_layer() -> None:
    """A message to a channel of its own and back: the layer stores and delivers."""
    layer = get_channel_layer()
    assert layer is not None
    channel = f"readyz.{uuid.uuid4().hex}"
    await layer.send(channel, {"type": "readyz.probe"})
    await layer.receive(channel)


def checks() -> dict[str, Check]:
    """The checks that apply to this setup (embedded: no Redis, no broker to reach)."""
    in_thread = database_sync_to_async  # a fresh pooled connection, given back after
    found: dict[str, Check] = {
        "database": in_thread(_database, thread_sensitive=False),
        "migrations": in_thread(_migrations, thread_sensitive=False),
        "channel_layer": _channel_layer,
    }
    if settings.REDIS_URL:
        found["redis"] = in_thread(_redis, thread_sensitive=False)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        found["broker"] = in_thread(_broker, thread_sensitive=False)
    return found


async def readiness() -> dict[str, str]:
    """Each check's verdict: "ok", or "failed (<error class>)"."""
    found = checks()
    verdicts = await asyncio.gather(*(_verdict(name, check) for name, check in found.items()))
    return dict(zip(found, verdicts, strict=True))


async def _verdict(name: str, check: Check) -> str:
    try:
        await asyncio.wait_for(check(), timeout=settings.READINESS_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("Readiness check %s failed: %r", name, error)
        return f"failed ({type(error).__name__})"
    return "ok"
