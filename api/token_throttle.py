"""The token endpoint (/oauth/token) with its failures throttled, and equal work for every client
id.

Each wrong client secret costs a password hash (~330 ms of PBKDF2 in production), so unthrottled
guessing slows every request of the process, and a fast answer for an unknown client id told
which ids exist. Here failed client authentications are counted per address and per client id
in fixed windows (the `limits` library: in Redis when REDIS_URL is set, so every daphne process
shares the counts; in memory otherwise); at either limit the endpoint answers 429 without
hashing anything until the window ends. The per-client limit is the higher one: it stops
guessing spread over many addresses without letting one address lock a real client out. An
unknown client id is hashed against a dummy secret, so it costs what a wrong secret costs.
"""

import base64
import binascii
import json
import logging
import time
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest, HttpResponse, JsonResponse
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from oauth2_provider.models import get_application_model
from oauth2_provider.views import TokenView

log = logging.getLogger(__name__)

Counter = tuple[RateLimitItem, tuple[str, ...]]


@cache
def _storage(url: str) -> Storage:
    store = storage_from_string(url, wrap_exceptions=True)
    assert isinstance(store, Storage)  # a synchronous storage: the URL has no async+ scheme
    return store


def _limiter() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(_storage(settings.REDIS_URL or "memory://"))


@cache
def _dummy_hash() -> str:
    return make_password("a client secret nobody has")


def token_request_credentials(request: HttpRequest) -> tuple[str, str]:
    """The client id and secret a token request claims, from Basic auth (RFC 6749 2.3.1: each
    form-encoded) or the form body; empty strings when absent or unreadable."""
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return str(request.POST.get("client_id", "")), str(request.POST.get("client_secret", ""))


def token_failure_counters(*, client_id: str, address: str) -> list[Counter]:
    window = settings.OAUTH_TOKEN_FAILURE_WINDOW_SECONDS
    return [
        (
            RateLimitItemPerSecond(settings.OAUTH_TOKEN_MAX_ADDRESS_FAILURES, window, "oauth"),
            ("address", address),
        ),
        (
            RateLimitItemPerSecond(settings.OAUTH_TOKEN_MAX_FAILURES, window, "oauth"),
            # Client ids are 40 characters; a claimed one may be any length: bound the key.
            ("client", client_id[:128]),
        ),
    ]


def token_retry_after(counters: list[Counter]) -> int | None:
    """Seconds until the first exhausted counter's window ends; None while all have room. A
    storage outage lets requests through: throttling must not take token issuance down."""
    limiter = _limiter()
    try:
        for item, identifiers in counters:
            if not limiter.test(item, *identifiers):
                reset = limiter.get_window_stats(item, *identifiers).reset_time
                return max(1, int(reset - time.time()) + 1)
    except StorageError:
        log.warning("Token throttling skipped: its storage is unavailable", exc_info=True)
    return None


def token_failure_record(counters: list[Counter]) -> None:
    limiter = _limiter()
    try:
        for item, identifiers in counters:
            limiter.hit(item, *identifiers)
    except StorageError:
        log.warning("Token failure not counted: its storage is unavailable", exc_info=True)


def too_many_requests(retry_after: int) -> JsonResponse:
    body = {
        "error": {
            "code": "too_many_requests",
            "message": "Too many failed token requests; try again later.",
            "details": {"retryAfterSeconds": retry_after},
        }
    }
    response = JsonResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _client_failed(response: HttpResponse) -> bool:
    if response.status_code == 401:
        return True
    try:
        return bool(json.loads(response.content).get("error") == "invalid_client")
    except (ValueError, AttributeError):
        return False


class ThrottledTokenView(TokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client_id, secret = token_request_credentials(request)
        counters = token_failure_counters(
            client_id=client_id, address=str(request.META.get("REMOTE_ADDR", ""))
        )
        retry_after = token_retry_after(counters)
        if retry_after is not None:
            return too_many_requests(retry_after)
        if secret and not get_application_model().objects.filter(client_id=client_id).exists():
            check_password(secret, _dummy_hash())  # the work a known id's wrong secret costs
        response: HttpResponse = super().post(request, *args, **kwargs)
        if _client_failed(response):
            token_failure_record(counters)
        return response
