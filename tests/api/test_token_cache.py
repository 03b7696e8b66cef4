"""Bearer tokens are checked from each process's memory (api/token_cache.py), never against
what the database no longer says: a revoked token is refused on the very next request."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from api import token_cache
from api.models import ApiClient
from networks.services import network_get_or_create
from tests.api_clients import Api, api_for
from tests.servers import unavailable

RESET = ("/ocpp/reset", {"chargingStationId": "nope", "resetType": "Soft"})


class CountingLoad:
    def __init__(self, found: Any) -> None:
        self.found = found
        self.calls = 0

    def __call__(self, token: str) -> Any:
        self.calls += 1
        return self.found


def test_a_token_is_read_once_while_nothing_changes() -> None:
    load = CountingLoad(found=object())
    first = token_cache.access_token_cached("tok-1", load=load)
    assert token_cache.access_token_cached("tok-1", load=load) is first
    assert load.calls == 1


def test_any_change_makes_every_token_read_again(monkeypatch) -> None:
    monkeypatch.setattr(token_cache, "transaction", _NoTransaction())
    load = CountingLoad(found=object())
    token_cache.access_token_cached("tok-2", load=load)
    token_cache.tokens_changed()
    token_cache.access_token_cached("tok-2", load=load)
    assert load.calls == 2


def test_a_cached_token_is_read_again_after_the_longest_age(monkeypatch) -> None:
    load = CountingLoad(found=object())
    token_cache.access_token_cached("tok-3", load=load)
    monkeypatch.setattr(token_cache, "MAX_AGE_SECONDS", 0.0)
    token_cache.access_token_cached("tok-3", load=load)
    assert load.calls == 2


def test_unknown_tokens_are_never_kept() -> None:
    load = CountingLoad(found=None)
    for _ in range(3):
        assert token_cache.access_token_cached("guessed", load=load) is None
    assert load.calls == 3
    assert all(entry[2] is not None for entry in token_cache._entries.values())


class _NoTransaction:
    """on_commit outside any transaction runs at once, as Django's does."""

    @staticmethod
    def on_commit(callback: Callable[[], None]) -> None:
        callback()


# --- against a real daphne: its cache follows changes made by this process ------------------


@pytest.fixture
def used_api(daphne_server: str, transactional_db: None) -> Api:
    """A client whose token daphne has just checked (and cached)."""
    if not settings.REDIS_URL:
        unavailable("a change reaches another process's cache through Redis: needs REDIS_URL")
    api = api_for(daphne_server, "write:ocpp")
    assert api.post(*RESET).status_code != 401
    assert api.post(*RESET).status_code != 401
    return api


def _stored(api: Api) -> AccessToken:
    return AccessToken.objects.get(token=api.token)


@pytest.mark.e2e
def test_a_revoked_token_is_refused_at_once(used_api: Api) -> None:
    _stored(used_api).delete()
    assert used_api.post(*RESET).status_code == 401


@pytest.mark.e2e
def test_a_token_made_to_expire_is_refused_at_once(used_api: Api) -> None:
    token = _stored(used_api)
    token.expires = timezone.now() - timedelta(seconds=1)
    token.save()
    assert used_api.post(*RESET).status_code == 401


@pytest.mark.e2e
def test_a_deleted_api_client_takes_its_tokens_at_once(used_api: Api) -> None:
    ApiClient.objects.filter(pk=_stored(used_api).application_id).delete()
    assert used_api.post(*RESET).status_code == 401


@pytest.mark.e2e
def test_a_client_restricted_to_other_networks_loses_sight_at_once(
    daphne_server: str, transactional_db: None, make_station
) -> None:
    if not settings.REDIS_URL:
        unavailable("a change reaches another process's cache through Redis: needs REDIS_URL")
    make_station("CP-NORTH", network_name="north")
    api = api_for(daphne_server, "write:ocpp.raw_request")
    body = {"assetId": "CP-NORTH", "action": "Reset", "payload": {"type": "Soft"}}
    seen = api.post("/ocpp/v2/raw-request", body)
    assert seen.status_code != 404, seen.text  # e.g. 409: known, not connected
    client = ApiClient.objects.get(pk=_stored(api).application_id)
    client.unrestricted = False
    client.save()
    client.networks.set([network_get_or_create(name="south")])
    hidden = api.post("/ocpp/v2/raw-request", body)
    assert hidden.status_code == 404, hidden.text


def _scopes_removed(api: Api, *removed: str) -> None:
    """What the admin's scope checkboxes do: save the client with fewer scopes."""
    client = ApiClient.objects.get(pk=_stored(api).application_id)
    client.allowed_scopes = " ".join(s for s in client.granted_scopes() if s not in removed)
    client.save()


@pytest.mark.e2e
def test_a_scope_removed_from_a_client_is_refused_at_once(used_api: Api) -> None:
    _scopes_removed(used_api, "write:ocpp")
    refused = used_api.post(*RESET)
    assert refused.status_code == 403, refused.text


@pytest.mark.e2e
def test_a_live_token_loses_a_scope_removed_from_its_client(
    daphne_server: str, transactional_db: None
) -> None:
    api = api_for(daphne_server, "write:ocpp read:asset")
    _scopes_removed(api, "write:ocpp")
    assert api.get("/asset-management/v1/assets").status_code == 200
    refused = api.post(*RESET)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")
