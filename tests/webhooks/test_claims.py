"""Which due deliveries a sender takes: never more leased per endpoint than the bound, counted
across senders; turns shared network by network; deliveries of a deleted endpoint never sent."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from networks.services import network_get_or_create
from webhooks.claims import deliveries_claim, fair_turns
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.posting import PostResult
from webhooks.sending import deliveries_record
from webhooks.services import deliveries_prune, endpoint_create

pytestmark = pytest.mark.django_db


def endpoint(network_id: object = None) -> WebhookEndpoint:
    return endpoint_create(
        url="https://receiver.example/h", event_types=["ocpp.message"], network_id=network_id
    )


def due(endpoint_id: object, count: int) -> list[WebhookDelivery]:
    now = timezone.now() - timedelta(seconds=1)
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=uuid.uuid4(),
            event_type="ocpp.message",
            event_created_at=now,
            data={"n": n},
            next_attempt_at=now,
        )
        for n in range(count)
    )


def test_no_endpoint_has_more_in_flight_than_the_bound_whichever_sender_claims(
    settings,
) -> None:
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 4
    busy = endpoint()
    due(busy.pk, 10)
    now = timezone.now()

    first = deliveries_claim(delivery_ids=None, now=now, limit=200)
    second = deliveries_claim(delivery_ids=None, now=now, limit=200)  # another sender

    assert len(first) == 4 and second == []
    ok = PostResult(200, "", "ok", 5)
    deliveries_record(posted=[(first[0], ok)], now=now)
    assert len(deliveries_claim(delivery_ids=None, now=now, limit=200)) == 1
    # A sender that died: its leases run out and the deliveries are taken again.
    later = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 31)
    assert len(deliveries_claim(delivery_ids=None, now=later, limit=200)) == 4


def test_a_tenant_with_a_long_backlog_gets_turns_in_alternation_with_another(settings) -> None:
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 50
    noisy, quiet = network_get_or_create(name="noisy"), network_get_or_create(name="quiet")
    noisy_endpoints = [endpoint(noisy.pk) for _ in range(3)]
    for noisy_endpoint in noisy_endpoints:
        due(noisy_endpoint.pk, 40)
    quiet_endpoint = endpoint(quiet.pk)
    due(quiet_endpoint.pk, 2)

    claimed = deliveries_claim(delivery_ids=None, now=timezone.now(), limit=4)

    tenants = [d.endpoint.network_id for d in claimed]
    assert tenants == [noisy.pk, quiet.pk, noisy.pk, quiet.pk] or tenants == [
        quiet.pk, noisy.pk, quiet.pk, noisy.pk,
    ]  # fmt: skip
    noisy_ones = [d.endpoint_id for d in claimed if d.endpoint.network_id == noisy.pk]
    assert len(set(noisy_ones)) == 2  # within a tenant, endpoint by endpoint


def test_fair_turns_rotate_networks_then_endpoints_and_respect_what_is_in_flight(
    settings,
) -> None:
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 3
    candidates = [
        ("a1", "A", "n1"), ("a2", "A", "n1"), ("a3", "A", "n1"),
        ("b1", "B", "n1"), ("c1", "C", "n2"), ("c2", "C", "n2"),
    ]  # fmt: skip
    assert fair_turns(candidates, {}, limit=10) == ["a1", "c1", "b1", "c2", "a2", "a3"]
    assert fair_turns(candidates, {"A": 3, "C": 2}, limit=10) == ["b1", "c1"]
    assert fair_turns(candidates, {}, limit=2) == ["a1", "c1"]


def test_fair_turns_stop_a_network_at_its_bound(settings) -> None:
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 3
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK = 3
    candidates = [
        ("a1", "A", "n1"), ("a2", "A", "n1"), ("b1", "B", "n1"), ("b2", "B", "n1"),
        ("c1", "C", "n2"), ("c2", "C", "n2"),
    ]  # fmt: skip
    assert fair_turns(candidates, {}, limit=10) == ["a1", "c1", "b1", "c2", "a2"]
    assert fair_turns(candidates, {}, limit=10, network_in_flight={"n1": 2}) == [
        "a1", "c1", "c2",
    ]  # fmt: skip
    assert fair_turns(candidates, {}, limit=10, network_in_flight={"n1": 3, "n2": 1}) == [
        "c1", "c2",
    ]  # fmt: skip


def test_a_tenant_with_many_busy_endpoints_holds_no_more_than_its_bound_across_senders(
    settings,
) -> None:
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 4
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK = 6
    noisy, quiet = network_get_or_create(name="noisy"), network_get_or_create(name="quiet")
    for _ in range(5):  # five hanging receivers: 20 deliveries they could hold by endpoint
        due(endpoint(noisy.pk).pk, 10)
    quiet_endpoint = endpoint(quiet.pk)
    now = timezone.now()

    first = deliveries_claim(delivery_ids=None, now=now, limit=200)
    second = deliveries_claim(delivery_ids=None, now=now, limit=200)  # another sender
    assert [d.endpoint.network_id for d in first] == [noisy.pk] * 6 and second == []

    due(quiet_endpoint.pk, 3)  # the quiet tenant's events come after: their turn is now
    third = deliveries_claim(delivery_ids=None, now=now, limit=200)
    assert [d.endpoint_id for d in third] == [quiet_endpoint.pk] * 3
    ok = PostResult(200, "", "ok", 5)
    deliveries_record(posted=[(first[0], ok), (first[1], ok)], now=now)
    freed = deliveries_claim(delivery_ids=None, now=now, limit=200)
    assert [d.endpoint.network_id for d in freed] == [noisy.pk] * 2


def test_a_delivery_written_for_an_endpoint_deleted_meanwhile_is_never_sent_and_pruned() -> None:
    gone = uuid.uuid4()  # the endpoint was deleted as the charger path wrote its event
    [orphan] = due(gone, 1)

    assert deliveries_claim(delivery_ids=None, now=timezone.now(), limit=200) == []
    assert deliveries_prune() == 1
    assert not WebhookDelivery.objects.filter(pk=orphan.pk).exists()


def _delivery_rows_read(plan: dict) -> int:
    """Rows the plan's nodes read from the deliveries table (per loop times loops)."""
    own = 0
    if plan.get("Relation Name") == "webhooks_webhookdelivery":
        own = int(plan.get("Actual Rows", 0)) * int(plan.get("Actual Loops", 1))
    return own + sum(_delivery_rows_read(child) for child in plan.get("Plans", []))


def test_a_claim_reads_no_more_of_a_backlog_than_the_room_it_fills(settings) -> None:
    """A receiver that hangs piles up deliveries for as long as it hangs: a claim must read
    each endpoint's room from its index, not the whole backlog."""
    import json

    from django.db import connection

    from tests.servers import unavailable
    from webhooks.statements import DUE_PER_ENDPOINT

    if connection.vendor != "postgresql":
        unavailable("the claim's plan: needs a PostgreSQL DATABASE_URL")
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 8
    hanging, quiet = endpoint(), endpoint()
    due(hanging.pk, 5000)
    due(quiet.pk, 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE webhooks_webhookdelivery")
        now = timezone.now()
        params = [[hanging.pk, quiet.pk], [8, 8], now, now]
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {DUE_PER_ENDPOINT}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    # Each endpoint's room (8 + 3), give or take PostgreSQL's per-loop row averages rounded:
    # the window this replaced read all 5,003.
    assert _delivery_rows_read(plan[0]["Plan"]) <= 8 + 3 + 2

    claimed = deliveries_claim(delivery_ids=None, now=now, limit=200)
    assert sorted(str(d.endpoint_id) for d in claimed) == sorted(
        [str(hanging.pk)] * 8 + [str(quiet.pk)] * 3
    )
