"""The address wall at delivery time, with real sending to a real receiver on 127.0.0.1: each
connect goes only to a public or allowed address, checked after DNS, to the very address
checked; no redirect is followed; what is kept of the answer is a short excerpt and a generic
error class. (The test settings allow 127.0.0.0/8, see tests/conftest.py; these tests take
it away.)"""

import ipaddress
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from tests.webhooks.receiver import Receiver, running_receiver
from tests.webhooks.test_delivery import HOUR, heartbeat_frame, hook
from webhooks.models import DeliveryState, EventType, WebhookAttempt, WebhookEndpoint
from webhooks.sending import deliveries_send
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(make_station) -> Asset:
    return make_station("CP-WALL", protocol="ocpp1.6")


def test_a_receiver_on_loopback_is_refused_without_the_allow_list_and_reached_with_it(
    receiver: Receiver, station: Asset, settings
) -> None:
    hook(receiver)
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    delivery = heartbeat_frame(station)

    deliveries_send()

    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.last_error == "address not allowed" and delivery.last_status_code is None
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    deliveries_send(now=timezone.now() + HOUR)
    delivery.refresh_from_db()
    assert len(receiver.received) == 1 and delivery.state == DeliveryState.SUCCEEDED


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery_time(
    receiver: Receiver, station: Asset, settings
) -> None:
    name = socket.gethostname()  # a real name, resolved by the system (/etc/hosts here)
    resolved = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    if not resolved or any(ipaddress.ip_address(a).is_global for a in resolved):
        pytest.skip(f"{name} does not resolve to private addresses only: {resolved}")
    settings.WEBHOOK_ALLOWED_NETWORKS = [f"{a}/32" for a in resolved if "." in a]
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint_create(url=f"http://{name}:{port}/hooks", event_types=[EventType.OCPP_MESSAGE])
    settings.WEBHOOK_ALLOWED_NETWORKS = []  # saved while allowed: the name is public-looking
    delivery = heartbeat_frame(station)

    deliveries_send()

    delivery.refresh_from_db()
    assert receiver.received == [] and delivery.last_error == "address not allowed"


def test_the_connect_goes_to_the_address_checked_not_to_a_second_answer(
    receiver: Receiver, station: Asset, settings, monkeypatch
) -> None:
    """DNS rebinding: the first answer passes the check, a second lookup would name the
    receiver. Only the checked address (127.0.0.2, where nothing listens) is connected to."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.2"])

    def rebinding(host, port, *args, **kwargs):  # a DNS server that changes its answer
        if host == "rebind.example":
            return real_getaddrinfo(next(answers, "127.0.0.1"), port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint_create(url=f"http://rebind.example:{port}/h", event_types=[EventType.OCPP_MESSAGE])
    delivery = heartbeat_frame(station)

    deliveries_send()

    delivery.refresh_from_db()
    assert receiver.received == [] and delivery.last_error == "connection refused"


def test_a_redirect_is_not_followed(receiver: Receiver, station: Asset) -> None:
    with running_receiver() as elsewhere:
        hook(receiver)
        receiver.status, receiver.headers = 302, {"Location": elsewhere.url}
        delivery = heartbeat_frame(station)

        deliveries_send()

        delivery.refresh_from_db()
        assert len(receiver.received) == 1 and elsewhere.received == []
    assert delivery.last_status_code == 302 and delivery.last_error == "HTTP 302"
    assert delivery.state == DeliveryState.PENDING  # a failure, tried again later


def test_only_a_short_excerpt_of_the_answer_and_a_generic_error_are_kept(
    receiver: Receiver, station: Asset
) -> None:
    hook(receiver)
    receiver.status, receiver.body = 500, ("internal secret " * 500).encode()
    heartbeat_frame(station)

    deliveries_send()

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 500 and len(attempt.response_body) == 200
    WebhookEndpoint.objects.update(url="http://127.0.0.1:9/nothing-listens-here")
    deliveries_send(now=timezone.now() + HOUR)
    refused = WebhookAttempt.objects.get(number=2)
    assert refused.error == "connection refused" and "127.0.0.1" not in refused.error


def test_the_admin_form_refuses_an_internal_address(admin_client, settings) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    add = reverse("admin:webhooks_webhookendpoint_add")
    fields = {"event_types": ["asset.connectivity"], "enabled": "on"}

    answer = admin_client.post(add, {**fields, "url": "https://169.254.169.254/latest"})

    assert answer.status_code == 200  # the form again, with the error
    assert "private, loopback, link-local or reserved" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()
