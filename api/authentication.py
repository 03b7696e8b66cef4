"""Bearer-token authentication for the REST API: django-oauth-toolkit's checks, without
rebuilding an oauthlib request for each of them.

django-oauth-toolkit builds a new oauthlib server for every request (its settings, every grant
type and endpoint) only to check one bearer token: a visible share of daphne's CPU in the
raw-request benchmark (docs/PERFORMANCE.md, fix 18). One server per process serves all threads
instead: the state of a check lives on oauthlib's per-request object.

Then, for a request that carries its token as `Authorization: Bearer <token>` and has no query
string (every API call the benchmarks make, and what clients send), the token goes straight to
the toolkit's validator (`validate_bearer_token`, the whole check: the token's lookup, expiry,
audience and client), as oauthlib would hand it over. What oauthlib does first, a copy of every
header converted to text, the body re-encoded, the URI parsed, is what such a request does not
need (docs/PERFORMANCE.md, fix 42). Any other request (no header, another scheme, a token in
the body, any query string at all) takes oauthlib's whole path, so its answer stays oauthlib's
own; but a token in the query string (`access_token`) is refused with 401 before that, as it
would be written to access logs.
"""

import functools
from typing import TYPE_CHECKING, Any

from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from oauth2_provider.contrib.rest_framework import authentication as dot_authentication
from oauth2_provider.oauth2_backends import get_oauthlib_core
from rest_framework.exceptions import AuthenticationFailed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from oauth2_provider.models import AccessToken

shared_oauthlib_core = functools.cache(get_oauthlib_core)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("OAUTH2_PROVIDER"):
        shared_oauthlib_core.cache_clear()


def plain_bearer_token(request: Any) -> str | None:
    """The token of `Authorization: Bearer <token>` when that header is all a check needs
    (no query string), as oauthlib reads it (two words, the first `bearer` in any case);
    None for anything else."""
    meta = request.META
    if meta.get("QUERY_STRING"):
        return None
    words = meta.get("HTTP_AUTHORIZATION", "").split()
    if len(words) != 2 or words[0].lower() != "bearer":
        return None
    return words[1]


class BearerCheck:
    """What django-oauth-toolkit's `validate_bearer_token` reads from oauthlib's request (the
    URI, for a token restricted to some resources) and writes on it (the token, its client,
    user and scopes, or the error)."""

    # Written by the validator when it accepts the token (the user is None for a token of the
    # client-credentials grant).
    user: "AbstractBaseUser | None"
    access_token: "AccessToken"

    def __init__(self, request: Any) -> None:
        self._request = request
        self.scopes: list[str] = []

    @functools.cached_property
    def uri(self) -> str:
        """The absolute URI, as django-oauth-toolkit gives it to oauthlib (no query string
        here); only a resource-restricted token asks for it."""
        return self._request.build_absolute_uri(self._request.path)


class OAuth2Authentication(dot_authentication.OAuth2Authentication):
    """django-oauth-toolkit's `authenticate` (same answers and errors), on the shared server,
    and straight to its validator for a plain bearer header."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        if request is None:
            return None
        token = plain_bearer_token(request)
        if token is None:
            return self._authenticate_through_oauthlib(request)
        check = BearerCheck(request)
        validator = shared_oauthlib_core().server.request_validator
        if validator.validate_bearer_token(token, check.scopes, check):
            return check.user, check.access_token
        request.oauth2_error = getattr(check, "oauth2_error", {})
        return None

    def _authenticate_through_oauthlib(self, request: Any) -> tuple[Any, Any] | None:
        # oauthlib would accept `?access_token=`, but a URL ends up in access logs (daphne's),
        # proxies and browser history: refused outright, whether the token is valid or not.
        if "access_token" in request.GET:
            raise AuthenticationFailed(
                "A bearer token in the query string is refused: send it in the "
                "Authorization header."
            )
        try:
            valid, oauth_request = shared_oauthlib_core().verify_request(request, scopes=[])
        except ValueError as error:
            if str(error) == "Invalid hex encoding in query string.":
                raise SuspiciousOperation(error) from error
            raise
        if valid:
            return oauth_request.user, oauth_request.access_token
        request.oauth2_error = getattr(oauth_request, "oauth2_error", {})
        return None


class SharedServerOAuth2Scheme(DjangoOAuthToolkitScheme):
    """The OpenAPI security scheme drf-spectacular gives django-oauth-toolkit's class (an
    operation's scopes), for this one too."""

    # A dotted path, as the base class gives its own: drf-spectacular imports it when it first
    # matches a view's authentication classes.
    target_class = f"{__name__}.OAuth2Authentication"
