"""Sending deliveries: take them (a lease, so several senders never POST the same one at
once), POST them concurrently, record each attempt, schedule the retry or give up."""

import json
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks.addresses import UrlRefusedError, url_check
from webhooks.events import event_body
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signing import signature
from webhooks.transport import (
    AddressNotAllowedError,
    NameNotResolvedError,
    failure_class,
    public_only_client,
)

logger = logging.getLogger(__name__)

USER_AGENT = "csms-webhooks/1.0"
MAX_PARALLEL_POSTS = 8
SWEEP_BATCH = 200
# What of a receiver's answer is kept: enough to debug it, too little to read a service with.
RESPONSE_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str
    response_body: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliveries_send(
    *, delivery_ids: Sequence[Any] | None = None, now: datetime | None = None
) -> list[WebhookDelivery]:
    """Send the due deliveries (only those of `delivery_ids`, when given); returns them as
    recorded. Due: pending, its attempt time reached, not held by another sender."""
    now = now or timezone.now()
    claimed = deliveries_claim(delivery_ids=delivery_ids, now=now)
    if not claimed:
        return []
    with ThreadPoolExecutor(min(MAX_PARALLEL_POSTS, len(claimed))) as pool:
        results = list(pool.map(delivery_post, claimed))
    deliveries_record(posted=list(zip(claimed, results, strict=True)), now=now)
    return claimed


def deliveries_claim(
    *, delivery_ids: Sequence[Any] | None, now: datetime, limit: int = SWEEP_BATCH
) -> list[WebhookDelivery]:
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    due = WebhookDelivery.objects.filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        endpoint__enabled=True,
    )
    if delivery_ids is not None:
        due = due.filter(pk__in=list(delivery_ids))
    with transaction.atomic():
        claimed = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .order_by("next_attempt_at")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(leased_until=lease)
    return claimed


def delivery_post(delivery: WebhookDelivery) -> PostResult:
    """POST the event to the endpoint, signed. Touches no database (runs in a thread)."""
    body = json.dumps(event_body(delivery), separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Delivery-Id": str(delivery.pk),
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(
            secret=delivery.endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    started = time.monotonic()
    try:
        url_check(delivery.endpoint.url)  # the settings may have changed since it was saved
        with http_client().stream(
            "POST",
            delivery.endpoint.url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        ) as response:
            excerpt = _excerpt(response)
    except (UrlRefusedError, AddressNotAllowedError, NameNotResolvedError) as error:
        return PostResult(None, failure_class(error), "", _ms_since(started))
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return PostResult(None, failure_class(error), "", _ms_since(started))
    return PostResult(response.status_code, "", excerpt, _ms_since(started))


def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, enough to debug a receiver; never read a whole large body."""
    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= RESPONSE_EXCERPT_CHARS * 4:  # a character is at most 4 bytes
            break
    return read.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]


def delivery_record_attempt(
    *, delivery: WebhookDelivery, result: PostResult, now: datetime
) -> None:
    deliveries_record(posted=[(delivery, result)], now=now)


def deliveries_record(
    *, posted: Sequence[tuple[WebhookDelivery, PostResult]], now: datetime
) -> None:
    """Store the attempts of one batch in one transaction: on failure schedule the next retry
    or give the delivery up, and count each outcome against its endpoint, in order."""
    attempts = [_apply(delivery, result, now) for delivery, result in posted]
    with transaction.atomic():
        ids = [delivery.pk for delivery, _ in posted]
        alive = set(  # an endpoint deleted meanwhile took its deliveries with it
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")  # one lock order with every sender and endpoint_delete
            .values_list("pk", flat=True)
        )
        kept = [(d, r, a) for (d, r), a in zip(posted, attempts, strict=True) if d.pk in alive]
        _store_states([d for d, _, _ in kept], now)
        WebhookAttempt.objects.bulk_create([a for _, _, a in kept])
        outcomes: dict[Any, list[bool]] = {}
        for delivery, result, _ in kept:
            outcomes.setdefault(delivery.endpoint_id, []).append(result.succeeded)
        for endpoint_id in sorted(outcomes, key=str):  # one lock order for every sender
            endpoint_record_outcomes(
                endpoint_id=endpoint_id, outcomes=outcomes[endpoint_id], now=now
            )


def _store_states(deliveries: list[WebhookDelivery], now: datetime) -> None:
    """One UPDATE per distinct outcome (a batch has few: succeeded, or failed with the same
    answer and retry time), rather than a per-row CASE for every column."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for d in deliveries:
        key = (d.state, d.succeeded_at, d.next_attempt_at, d.last_status_code, d.last_error)
        groups.setdefault(key, []).append(d.pk)
    for (state, succeeded_at, next_attempt_at, status_code, error), ids in groups.items():
        WebhookDelivery.objects.filter(pk__in=ids).update(
            attempt_count=F("attempt_count") + 1,
            resend_requested=False,
            last_attempt_at=now,
            leased_until=None,
            state=state,
            succeeded_at=succeeded_at,
            next_attempt_at=next_attempt_at,
            last_status_code=status_code,
            last_error=error,
        )


def _apply(delivery: WebhookDelivery, result: PostResult, now: datetime) -> WebhookAttempt:
    """The delivery's new state after this attempt (in memory), and the attempt's row."""
    delivery.attempt_count += 1
    manual, delivery.resend_requested = delivery.resend_requested, False
    delivery.last_attempt_at = now
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error or ("" if result.succeeded else f"HTTP {result.status_code}")
    delivery.leased_until = None
    if result.succeeded:
        delivery.state, delivery.succeeded_at = DeliveryState.SUCCEEDED, now
        delivery.next_attempt_at = None
    else:
        delay = retry_delay(delivery.attempt_count)
        delivery.next_attempt_at = now + delay if delay else None
        delivery.state = DeliveryState.PENDING if delay else DeliveryState.FAILED
    return WebhookAttempt(
        delivery=delivery,
        number=delivery.attempt_count,
        manual=manual,
        attempted_at=now,
        duration_ms=result.duration_ms,
        status_code=result.status_code,
        error=delivery.last_error[:300],
        response_body=result.response_body,
    )


def retry_delay(attempts_made: int) -> timedelta | None:
    """How long after the `attempts_made`-th failed attempt to try again; None: give up."""
    delays = settings.WEBHOOK_RETRY_DELAYS
    if attempts_made > len(delays):
        return None
    return timedelta(seconds=delays[attempts_made - 1])


def endpoint_record_outcomes(*, endpoint_id: Any, outcomes: list[bool], now: datetime) -> None:
    """Attempts' outcomes (True: success), in order: a success ends the endpoint's run of
    failures; a long enough run disables it. Call inside a transaction."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    was_enabled = endpoint.enabled
    for succeeded in outcomes:
        if succeeded:
            endpoint.failing_since, endpoint.consecutive_failures = None, 0
            endpoint.last_success_at = now
            continue
        endpoint.failing_since = endpoint.failing_since or now
        endpoint.consecutive_failures += 1
        if endpoint.enabled and _failing_for_good(endpoint, now):
            endpoint.enabled, endpoint.disabled_at = False, now
            endpoint.disabled_reason = (
                f"{endpoint.consecutive_failures} failed attempts in a row since "
                f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
            )
            logger.warning("Disabled webhook endpoint %s: %s", endpoint.pk, endpoint.url)
    tracking = ["failing_since", "consecutive_failures", "last_success_at", "updated_at"]
    if endpoint.enabled != was_enabled:  # its subscriptions change: webhooks.subscriptions
        tracking += ["enabled", "disabled_at", "disabled_reason"]
    endpoint.save(update_fields=tracking)


def _failing_for_good(endpoint: WebhookEndpoint, now: datetime) -> bool:
    assert endpoint.failing_since is not None
    long_enough = now - endpoint.failing_since >= timedelta(
        seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS
    )
    return long_enough and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_MIN_FAILURES


_client: httpx.Client | None = None
_client_pid = 0


def http_client() -> httpx.Client:
    """One pooled client per process (Celery forks its workers: never share it across)."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        # only a 2xx counts: a redirect is the receiver's error, never followed
        _client = public_only_client(httpx.Limits(max_connections=50, max_keepalive_connections=20))
        _client_pid = os.getpid()
    return _client


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
