"""Bearer-token authentication for the REST API: django-oauth-toolkit's, with one oauthlib
server per process.

django-oauth-toolkit builds a new oauthlib server for every request (its settings, every grant
type and endpoint) only to check one bearer token: about 5 % of daphne's CPU in the
raw-request benchmark (docs/PERFORMANCE.md, fix 18). The server keeps nothing of a request:
the state of a check lives on oauthlib's per-request object, so one server serves all threads.
"""

import functools
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from oauth2_provider.contrib.rest_framework import authentication as dot_authentication
from oauth2_provider.oauth2_backends import get_oauthlib_core

shared_oauthlib_core = functools.cache(get_oauthlib_core)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("OAUTH2_PROVIDER"):
        shared_oauthlib_core.cache_clear()


class OAuth2Authentication(dot_authentication.OAuth2Authentication):
    """django-oauth-toolkit's `authenticate` (same answers and errors), on the shared server."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        if request is None:
            return None
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

    target_class = OAuth2Authentication
