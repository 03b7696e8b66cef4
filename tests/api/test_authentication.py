"""The REST API's bearer-token check: one oauthlib server per process, and a plain bearer
header checked by django-oauth-toolkit's validator directly, with oauthlib's answers."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from oauth2_provider.contrib.rest_framework.authentication import (
    OAuth2Authentication as ToolkitAuthentication,
)
from oauth2_provider.models import AccessToken
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.authentication import OAuth2Authentication, plain_bearer_token, shared_oauthlib_core
from api.services import api_client_create

PATH = "/ocpp/v2/raw-request"


def test_requests_share_one_oauthlib_server_until_its_settings_change(settings) -> None:
    first = shared_oauthlib_core()
    assert shared_oauthlib_core() is first
    changed = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 60}
    with override_settings(OAUTH2_PROVIDER=changed):
        assert shared_oauthlib_core() is not first


def drf_request(authorization: str | None, path: str = PATH, **extra: Any) -> Request:
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    django_request = APIRequestFactory().post(path, {"x": 1}, format="json", **headers, **extra)
    return Request(django_request, parsers=[JSONParser()])


def answer(authentication: Any, request: Request) -> tuple[Any, ...]:
    """What DRF sees of a check: who and which token, or the error."""
    found = authentication.authenticate(request)
    if found is None:
        return ("refused", getattr(request, "oauth2_error", None))
    user, token = found
    return ("accepted", user, token.pk)


def token(**fields: Any) -> AccessToken:
    client, _ = api_client_create(name="auth test", scopes=["write:ocpp"], network_names=[])
    values = {
        "token": f"tok-{AccessToken.objects.count()}",
        "application": client,
        "scope": "write:ocpp",
        "expires": timezone.now() + timedelta(hours=1),
        **fields,
    }
    return AccessToken.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    ["valid", "expired", "unknown", "lowercase scheme", "for this resource", "for another"],
)
def test_a_plain_bearer_header_gets_oauthlibs_answer(case: str) -> None:
    stored = {
        "valid": lambda: token(),
        "expired": lambda: token(expires=timezone.now() - timedelta(seconds=1)),
        "unknown": lambda: None,
        "lowercase scheme": lambda: token(),
        "for this resource": lambda: token(resource=[f"http://testserver{PATH}"]),
        "for another": lambda: token(resource=["http://testserver/elsewhere"]),
    }[case]()
    bearer = stored.token if stored is not None else "never-issued"
    header = f"{'bearer' if case == 'lowercase scheme' else 'Bearer'} {bearer}"

    assert plain_bearer_token(drf_request(header)) == bearer  # the direct check is taken
    ours = answer(OAuth2Authentication(), drf_request(header))
    assert ours == answer(ToolkitAuthentication(), drf_request(header))
    if case in ("valid", "lowercase scheme", "for this resource"):
        assert ours == ("accepted", None, stored.pk)  # client credentials: no user
    else:
        assert ours[0] == "refused"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("authorization", "extra"),
    [
        (None, {}),
        ("Basic dXNlcjpwYXNz", {}),
        ("Bearer", {}),
        ("Bearer two words", {}),
        ("Bearer {token}", {"QUERY_STRING": "page=2"}),
    ],
)
def test_anything_else_takes_oauthlibs_whole_path(
    authorization: str | None, extra: dict[str, str]
) -> None:
    stored = token()
    header = authorization.format(token=stored.token) if authorization else None
    query = {k: v.format(token=stored.token) for k, v in extra.items()}

    assert plain_bearer_token(drf_request(header, **query)) is None
    ours = answer(OAuth2Authentication(), drf_request(header, **query))
    assert ours == answer(ToolkitAuthentication(), drf_request(header, **query))


@pytest.mark.django_db
def test_a_client_that_is_not_usable_is_refused_on_the_direct_path(monkeypatch) -> None:
    stored = token()
    monkeypatch.setattr(type(stored.application), "is_usable", lambda self, request: False)
    header = f"Bearer {stored.token}"

    ours = answer(OAuth2Authentication(), drf_request(header))
    assert ours == answer(ToolkitAuthentication(), drf_request(header))
    assert ours[0] == "refused" and ours[1]["error"] == "invalid_token"
