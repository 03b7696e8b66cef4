"""The address wall when an endpoint is saved, over real HTTP to a server with the production
defaults (no allow-list, https only): a literal internal address or a plain http URL is refused
400 with a code naming it, and nothing is saved."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api_clients import Api, api_for
from tests.servers import daphne_process
from webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RW = "read:webhooks write:webhooks"
BASE = "/webhooks/v1/webhook-endpoints"
EVENTS = ["ocpp.message"]


@pytest.fixture(scope="module")
def walled_server(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[str]:
    with (
        django_db_blocker.unblock(),
        daphne_process(
            server_logs / "daphne-walled.log", WEBHOOK_ALLOWED_NETWORKS="", WEBHOOK_ALLOW_HTTP="0"
        ) as address,
    ):
        yield address


@pytest.fixture
def api(walled_server: str, transactional_db: None) -> Api:
    return api_for(walled_server, RW)


def refusal(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"].split(":")[0]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "[::1]",
        "[fe80::1]",
        "[fd00::1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::a00:1]",
    ],
)
def test_a_literal_internal_address_is_refused_as_webhook_url_not_public(
    api: Api, host: str
) -> None:
    response = api.post(BASE, {"url": f"https://{host}:8443/hooks", "eventTypes": EVENTS})

    assert refusal(response) == (400, "webhook_url_not_public", "url"), response.text
    assert not WebhookEndpoint.objects.exists()


def test_an_update_to_an_internal_address_is_refused_and_changes_nothing(api: Api) -> None:
    created = api.post(BASE, {"url": "https://hooks.example.com/in", "eventTypes": EVENTS})
    assert created.status_code == 201, created.text
    url = f"{BASE}/{created.json()['data']['id']}"

    response = api.patch(url, {"url": "https://169.254.169.254/latest/meta-data"})

    assert refusal(response) == (400, "webhook_url_not_public", "url")
    assert api.get(url).json()["data"]["url"] == "https://hooks.example.com/in"


def test_plain_http_is_refused_as_webhook_url_not_https(api: Api) -> None:
    response = api.post(BASE, {"url": "http://hooks.example.com/in", "eventTypes": EVENTS})

    assert refusal(response) == (400, "webhook_url_not_https", "url")
    assert not WebhookEndpoint.objects.exists()


def test_a_public_https_url_is_accepted(api: Api) -> None:
    response = api.post(BASE, {"url": "https://93.184.216.34/hooks", "eventTypes": EVENTS})

    assert response.status_code == 201, response.text
