"""The asyncio sender against real receivers on a real database: an attempt is recorded as
soon as it ends, whatever other POSTs are still hanging; a hanging receiver costs a timeout,
recorded as one, and no other endpoint's turn."""

import asyncio
import threading
from collections.abc import Iterator

import pytest
from django.db import connections

from networks.services import network_get_or_create
from tests.webhooks.receiver import Receiver, running_receiver
from tests.webhooks.test_claims import due
from webhooks.models import DeliveryState, WebhookDelivery
from webhooks.sender import Sender
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)


class RunningSender:
    """The sender on a loop of its own thread, as the embedded setup runs it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.sender = Sender(max_in_flight=50)
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop.run_until_complete(self.sender.run(self.stop))
        self.loop.close()

    def wake(self) -> None:
        self.loop.call_soon_threadsafe(self.sender.wake)

    def halt(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=20)
        connections.close_all()


@pytest.fixture
def running() -> Iterator[RunningSender]:
    sender = RunningSender()
    sender.thread.start()
    yield sender
    sender.halt()


@pytest.fixture
def hanging() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        receiver.release.clear()
        yield receiver


def states(endpoint_id: object) -> list[tuple[str, str]]:
    deliveries = WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
    return list(deliveries.values_list("state", "last_error"))


def until(condition, timeout: float = 20):  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError("not reached")


def test_each_attempt_is_recorded_when_it_ends_while_another_tenant_hangs(
    receiver: Receiver, hanging: Receiver, running: RunningSender, settings
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 4
    noisy, quiet = network_get_or_create(name="noisy"), network_get_or_create(name="quiet")
    stuck = endpoint_create(url=hanging.url, event_types=["ocpp.message"], network_id=noisy.pk)
    answering = endpoint_create(url=receiver.url, event_types=["ocpp.message"], network_id=quiet.pk)
    due(stuck.pk, 10)
    running.wake()
    until(lambda: len(hanging.received) == 4)  # its bound, and no more
    due(answering.pk, 3)
    running.wake()

    # Recorded while all four POSTs to the hanging receiver are still open.
    until(lambda: states(answering.pk) == [(DeliveryState.SUCCEEDED, "")] * 3)
    assert hanging.answered == 0 and len(hanging.received) == 4
    assert not WebhookDelivery.objects.filter(endpoint=stuck, attempt_count__gt=0).exists()

    # The hanging ones end at their deadline, as timeouts; the next four go out.
    until(lambda: len(hanging.received) == 8, timeout=20)
    timed_out = WebhookDelivery.objects.filter(endpoint=stuck, attempt_count=1)
    assert set(timed_out.values_list("state", "last_error")) == {(DeliveryState.PENDING, "timeout")}
    assert timed_out.count() == 4
