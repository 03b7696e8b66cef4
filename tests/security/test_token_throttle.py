"""/oauth/token: failed client authentications are throttled per address and per client id, and
an unknown client id costs and answers what a wrong secret does."""

import time
import uuid

import pytest
from django.test import Client, override_settings

from api.services import api_client_create

pytestmark = pytest.mark.django_db
PBKDF2 = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def fresh_address() -> str:
    # Counts outlive a test (in Redis, a rerun too): each test guesses from an address of its own.
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def token_request(address: str, client_id: str, secret: str) -> tuple[int, dict, dict]:
    response = Client(REMOTE_ADDR=address).post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return response.status_code, response.json(), dict(response.headers)


def a_client() -> tuple[str, str]:
    client, secret = api_client_create(
        name=f"c-{uuid.uuid4().hex[:6]}", scopes=["write:ocpp"], network_names=[]
    )
    return client.client_id, secret


@override_settings(OAUTH_TOKEN_MAX_ADDRESS_FAILURES=3)
def test_an_address_gets_429_after_failures_even_with_the_right_secret() -> None:
    client_id, secret = a_client()
    address = fresh_address()
    for _ in range(3):
        assert token_request(address, client_id, "wrong")[0] == 401
    status, body, headers = token_request(address, client_id, secret)
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert 1 <= int(headers["Retry-After"]) <= 300
    assert token_request(fresh_address(), client_id, secret)[0] == 200  # elsewhere: still works


@override_settings(OAUTH_TOKEN_MAX_FAILURES=3)
def test_a_client_id_gets_429_after_failures_spread_over_addresses() -> None:
    client_id, secret = a_client()
    for _ in range(3):
        assert token_request(fresh_address(), client_id, "wrong")[0] == 401
    assert token_request(fresh_address(), client_id, secret)[0] == 429


def test_an_unknown_client_id_is_answered_as_a_wrong_secret() -> None:
    client_id, _ = a_client()
    wrong = token_request(fresh_address(), client_id, "wrong")
    unknown = token_request(fresh_address(), f"no-such-{uuid.uuid4().hex}", "wrong")
    assert unknown[:2] == wrong[:2] == (401, {"error": "invalid_client"})


@override_settings(PASSWORD_HASHERS=PBKDF2)
def test_an_unknown_client_id_costs_what_a_wrong_secret_costs() -> None:
    client_id, _ = a_client()  # its secret hashed with PBKDF2 at production cost

    def timed(some_id: str) -> float:
        started = time.perf_counter()
        assert token_request(fresh_address(), some_id, "wrong")[0] == 401
        return time.perf_counter() - started

    wrong = min(timed(client_id) for _ in range(2))
    unknown = min(timed(f"no-such-{uuid.uuid4().hex}") for _ in range(2))
    assert wrong > 0.05  # the hash is the work measured here
    assert unknown > wrong / 3
