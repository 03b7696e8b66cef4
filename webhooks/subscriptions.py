"""Which endpoints take which events, kept in memory in every process.

Every frame asks, and endpoints are few and rarely change: each process keeps the enabled
endpoints and re-reads them only when their version moved. The version is a token in Redis,
replaced after commit by every change of an endpoint's subscriptions, so every process sees a
change on its next frame (one GET per frame, or per group of frames handled together, instead
of a SELECT); without Redis (embedded, one process) it lives in this process. If Redis cannot be
read, the endpoints are read from the database each time: an event is never dropped for a cache.
"""

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from csms.runtime.shared_version import SharedVersion
from csms.throttled_log import ThrottledLog
from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

VERSION = SharedVersion("csms:webhook-subscriptions:version")
# The fields whose change alters what an endpoint receives.
SUBSCRIPTION_FIELDS = frozenset({"enabled", "event_types", "network", "network_id"})
# A safety net for a change whose version could not be published (Redis unreachable then).
MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True)
class Subscription:
    endpoint_id: Any
    event_types: frozenset[str]
    network_id: Any  # None: every network

    def takes(self, event_type: str, network_id: Any) -> bool:
        return event_type in self.event_types and self.network_id in (None, network_id)


_lock = threading.Lock()
_uncommitted = threading.local()
_held = threading.local()
_cached: tuple[str | None, float, list[Subscription]] | None = None


def subscribed_endpoint_ids(*, event_type: str, network_id: Any) -> list[Any]:
    """Enabled endpoints taking `event_type` for a station of `network_id`."""
    return [s.endpoint_id for s in _subscriptions() if s.takes(event_type, network_id)]


def subscriptions_changed() -> None:
    """An endpoint was added, removed, enabled, disabled or re-subscribed: after commit, every
    process re-reads the endpoints on its next frame. Until then this thread reads them
    afresh each time: it may see the change uncommitted, which must not be cached (it could
    still be rolled back)."""
    _uncommitted.changed = True
    transaction.on_commit(_committed)


def subscriptions_changed_elsewhere() -> None:
    """Endpoints changed behind the ORM's back (raw SQL, a table flushed by the tests): every
    process re-reads them."""
    VERSION.replace()


def _committed() -> None:
    _uncommitted.changed = False
    VERSION.replace()


_version_failures = ThrottledLog(logger)


@contextmanager
def subscriptions_held() -> Iterator[None]:
    """Within the block, this thread reads the subscriptions once: for the frames of many
    stations written in one transaction (a group commit), which need be no more current than
    the first of them (one version GET per group instead of one per station)."""
    if getattr(_held, "active", False):  # already held by an outer block
        yield
        return
    _held.active, _held.subscriptions = True, None
    try:
        yield
    finally:
        _held.active, _held.subscriptions = False, None


def _subscriptions() -> list[Subscription]:
    if not getattr(_held, "active", False):
        return _subscriptions_now()
    if _held.subscriptions is None:
        _held.subscriptions = _subscriptions_now()
    return _held.subscriptions


def _subscriptions_now() -> list[Subscription]:
    global _cached
    if getattr(_uncommitted, "changed", False):
        return _read_endpoints()
    try:
        version = VERSION.current()
    except Exception:
        _version_failures.warning("Webhook subscription version unreadable; reading endpoints")
        return _read_endpoints()
    now = time.monotonic()
    cached = _cached
    if cached is not None and cached[0] == version and now - cached[1] < MAX_AGE_SECONDS:
        return cached[2]
    with _lock:
        # Read after taking the version: a change meanwhile leaves an old version: re-read.
        subscriptions = _read_endpoints()
        _cached = (version, now, subscriptions)
    return subscriptions


def _read_endpoints() -> list[Subscription]:
    rows: Iterable[tuple[Any, list[str], Any]] = WebhookEndpoint.objects.filter(
        enabled=True
    ).values_list("id", "event_types", "network_id")
    return [Subscription(pk, frozenset(types), network) for pk, types, network in rows]
