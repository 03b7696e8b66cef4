"""Sending deliveries and recording what came of them: the round a caller runs itself
(`deliveries_send`: tests, the shell) and the pieces the asyncio sender (webhooks.sender) runs
continuously. Claims: webhooks.claims; the POST: webhooks.posting.

Locks, in the one order every writer of these rows follows: delivery rows (by id), then
endpoint rows (by id, FOR NO KEY UPDATE). The charger path takes none of them: it only inserts
deliveries, whose endpoint column has no database constraint to check (webhooks.models).
"""

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from observability.webhooks import deliveries_attempted
from webhooks.claims import deliveries_claim
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.posting import PostResult, delivery_post, sender_client

__all__ = ["PostResult", "deliveries_claim", "deliveries_record", "deliveries_send"]

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


def deliveries_send(
    *, delivery_ids: Sequence[Any] | None = None, now: datetime | None = None
) -> list[WebhookDelivery]:
    """One round, in the caller's thread: claim the due deliveries (only those of
    `delivery_ids`, when given), POST them concurrently, record each attempt at `now`;
    returns them as recorded."""
    now = now or timezone.now()
    claimed = deliveries_claim(delivery_ids=delivery_ids, now=now, limit=SWEEP_BATCH)
    if not claimed:
        return []
    results = asyncio.run(_post_all(claimed))
    deliveries_record(posted=list(zip(claimed, results, strict=True)), now=now)
    return claimed


async def _post_all(claimed: list[WebhookDelivery]) -> list[PostResult]:
    async with sender_client(max_connections=len(claimed)) as client:
        return list(await asyncio.gather(*(delivery_post(client, d) for d in claimed)))


def delivery_record_attempt(
    *, delivery: WebhookDelivery, result: PostResult, now: datetime
) -> None:
    deliveries_record(posted=[(delivery, result)], now=now)


def deliveries_record(
    *, posted: Sequence[tuple[WebhookDelivery, PostResult]], now: datetime
) -> None:
    """Store attempts in one transaction: on failure schedule the next retry or give the
    delivery up, and count each outcome against its endpoint, in order. The sender calls it
    with whatever finished since its last call, so an attempt is recorded once it ends."""
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
    deliveries_attempted([delivery for delivery, _, _ in kept])  # committed: count them


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
    # NO KEY UPDATE: the counters are no key, and nothing waits on them that should not.
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).filter(pk=endpoint_id).first()
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
