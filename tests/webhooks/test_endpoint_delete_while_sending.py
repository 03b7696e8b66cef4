"""Deleting an endpoint over real HTTP while a sender (this process, real POST to a real
receiver) is recording an attempt of its delivery: 204, and nothing of it is left.

The sender is held right after it locked the delivery and stored its state, before it adds the
attempt; the DELETE arrives then. Before the fix the delete collected the (still empty)
attempts unlocked, waited on the delivery's row, and failed at commit on the attempt added
meanwhile: 500, IntegrityError. Row locks: PostgreSQL only."""

import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.webhooks.receiver import Receiver
from webhooks import sending
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pending_delivery(endpoint_id: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint_id=endpoint_id,
        event_id=uuid.uuid4(),
        event_type="ocpp.message",
        event_created_at=timezone.now(),
        data={"chargingStationId": "CP-1"},
        next_attempt_at=timezone.now(),
    )


def test_deleting_an_endpoint_while_its_delivery_is_being_recorded_answers_204(
    client_with, receiver: Receiver, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    api = client_with("read:webhooks write:webhooks")
    created = api.post(
        "/webhooks/v1/webhook-endpoints", {"url": receiver.url, "eventTypes": ["ocpp.message"]}
    )
    endpoint_id = created.json()["data"]["id"]
    delivery = pending_delivery(endpoint_id)
    recording, go = threading.Event(), threading.Event()
    store_states = sending._store_states

    def held_after_storing(*args, **kwargs):  # the sender holds the delivery's row lock here
        store_states(*args, **kwargs)
        recording.set()
        go.wait(timeout=20)

    monkeypatch.setattr(sending, "_store_states", held_after_storing)

    def send() -> None:
        try:
            sending.deliveries_send(delivery_ids=[delivery.pk])
        finally:
            connections.close_all()

    sender = threading.Thread(target=send)
    sender.start()
    assert recording.wait(timeout=20)
    answers: list[int] = []
    deleter = threading.Thread(
        target=lambda: answers.append(
            api.delete(f"/webhooks/v1/webhook-endpoints/{endpoint_id}").status_code
        )
    )
    deleter.start()
    time.sleep(0.5)  # the DELETE reaches the database and waits on the sender's lock
    go.set()
    sender.join(timeout=20)
    deleter.join(timeout=20)

    assert answers == [204]
    assert len(receiver.received) == 1
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists() and not WebhookAttempt.objects.exists()
