"""OAuth2 client credentials at POST /oauth/token: real clients, real tokens."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from api.models import ApiClient
from api.scope_catalogue import SCOPES
from api.services import api_client_create
from tests.api_clients import Api, fetch_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_catalogue_has_the_43_scopes_of_the_platform() -> None:
    assert len(SCOPES) == 43
    assert SCOPES["write:ocpp.raw_request"] == "Sends raw request over OCPP"


def test_every_scope_can_be_granted_and_is_in_the_token(daphne_server: str) -> None:
    client, secret = api_client_create(name="all", scopes=list(SCOPES), network_names=[])
    response = fetch_token(f"http://{daphne_server}", client.client_id, secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert set(body["scope"].split()) == set(SCOPES)


def test_a_client_gets_only_the_scopes_it_was_granted(daphne_server: str) -> None:
    client, secret = api_client_create(name="narrow", scopes=["write:ocpp"], network_names=[])
    base = f"http://{daphne_server}"
    assert fetch_token(base, client.client_id, secret).json()["scope"] == "write:ocpp"
    narrowed = fetch_token(base, client.client_id, secret, scope="write:ocpp")
    assert narrowed.status_code == 200
    refused = fetch_token(base, client.client_id, secret, scope="write:ocpp.raw_request")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"


def test_a_wrong_secret_gets_no_token(daphne_server: str) -> None:
    client, _ = api_client_create(name="c", scopes=["write:ocpp"], network_names=[])
    response = fetch_token(f"http://{daphne_server}", client.client_id, "not-the-secret")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_an_expired_token_is_401(daphne_server: str) -> None:
    client, secret = api_client_create(name="c", scopes=["write:ocpp"], network_names=[])
    token = fetch_token(f"http://{daphne_server}", client.client_id, secret).json()
    AccessToken.objects.filter(token=token["access_token"]).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    api = Api(f"http://{daphne_server}", token["access_token"])
    response = api.post("/ocpp/reset", {"chargingStationId": "x", "resetType": "Soft"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_secret_is_stored_hashed() -> None:
    client, secret = api_client_create(name="c", scopes=["write:ocpp"], network_names=[])
    assert ApiClient.objects.get(pk=client.pk).client_secret != secret
