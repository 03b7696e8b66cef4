"""The charger path never waits on a lock of the webhook sender, so the two can never deadlock.
Two real PostgreSQL connections: a sender holding every lock it takes to record attempts to two
tenants' endpoints, and meanwhile a group commit of two stations of those tenants.

Before the fix the outbox rows' foreign key took FOR KEY SHARE on each endpoint row at commit,
which the sender's FOR UPDATE of the endpoint (its failure counters) blocks: the commit waited
on the sender. With the sender locking one endpoint and waiting on the other, whose KEY SHARE
the commit held already, PostgreSQL aborted one side as a deadlock: a station answered
InternalError, its frames lost."""

import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from networks.services import network_get_or_create
from tests.webhooks.receiver import Receiver
from webhooks import sending
from webhooks.events import webhook_events_record
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return bool(cursor.fetchone()[0])


def pending(endpoint: WebhookEndpoint) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="ocpp.message",
        event_created_at=timezone.now(),
        data={"n": 1},
        next_attempt_at=timezone.now(),
    )


class Thread(threading.Thread):
    """A thread on its own database connection that keeps what it raised."""

    def __init__(self, target: Any) -> None:
        super().__init__(daemon=True)
        self.work, self.error, self.pid = target, None, 0
        self.started_work = threading.Event()

    def run(self) -> None:
        try:
            self.pid = connection.cursor().connection.info.backend_pid
            self.started_work.set()
            self.work()
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connections.close_all()


def test_a_group_commit_never_waits_on_a_sender_recording_attempts(
    receiver: Receiver, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    tenants = [network_get_or_create(name=name) for name in ("north", "south")]
    endpoints = [
        endpoint_create(url=receiver.url, event_types=["ocpp.message"], network_id=tenant.pk)
        for tenant in tenants
    ]
    waiting = [pending(endpoint) for endpoint in endpoints]
    before = deadlocks()
    holding, release = threading.Event(), threading.Event()
    record_outcomes = sending.endpoint_record_outcomes

    def held_after_recording(**kwargs: Any) -> None:  # every lock the sender takes is held
        record_outcomes(**kwargs)
        holding.set()
        release.wait(timeout=20)

    monkeypatch.setattr(sending, "endpoint_record_outcomes", held_after_recording)
    sender = Thread(lambda: sending.deliveries_send(delivery_ids=[d.pk for d in waiting]))
    sender.start()
    assert holding.wait(timeout=20)

    def group_commit() -> None:  # two stations of two tenants, one transaction
        with transaction.atomic():
            for n, endpoint in enumerate(endpoints):
                webhook_events_record(
                    event_type="ocpp.message",
                    events=[{"station": n}],
                    asset_id=None,
                    network_id=endpoint.network_id,
                )

    charger = Thread(group_commit)
    charger.start()
    while charger.is_alive() and not (charger.pid and waiting_on_a_lock(charger.pid)):
        time.sleep(0.01)
    committed_while_held = not charger.is_alive()
    release.set()
    charger.join(timeout=30)
    sender.join(timeout=30)

    assert charger.error is None and sender.error is None, (charger.error, sender.error)
    assert committed_while_held, "the group commit waited on the sender's locks"
    assert deadlocks() == before
    assert len(receiver.received) == 2
    recorded = WebhookDelivery.objects.filter(pk__in=[d.pk for d in waiting])
    assert set(recorded.values_list("state", flat=True)) == {DeliveryState.SUCCEEDED}
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 2
