"""What error reports (the debug 500 page, the admins' error mails) may show of a request.

Django's filter hides settings and request headers whose names look secret, but shows every
local variable of every frame, where a request's bearer token travels (a WSGI environ, a parsed
header, a `token` argument). This filter also hides any variable whose text contains one of the
request's credentials, and does so in debug mode too: the embedded default runs with DEBUG on.
"""

from collections.abc import ItemsView, Iterable
from types import FrameType
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

# Shorter values could match ordinary text and hide harmless variables; credentials are longer.
MIN_CREDENTIAL_LENGTH = 8


def request_credentials(request: HttpRequest | None) -> list[str]:
    """The request's secrets as they may appear in memory: the Authorization header whole and
    without its scheme, the session cookie."""
    if request is None or not hasattr(request, "META"):
        return []
    found: list[str] = []
    authorization = str(request.META.get("HTTP_AUTHORIZATION", ""))
    found += [authorization, authorization.partition(" ")[2].strip()]
    found.append(str(getattr(request, "COOKIES", {}).get(settings.SESSION_COOKIE_NAME, "")))
    return [value for value in found if len(value) >= MIN_CREDENTIAL_LENGTH]


def _mentions(value: Any, credentials: Iterable[str]) -> bool:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not break the error report
        return False
    return any(credential in text for credential in credentials)


class CredentialHidingFilter(SafeExceptionReporterFilter):
    def is_active(self, request: HttpRequest | None) -> bool:
        return True  # debug pages too: see the module's docstring

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: FrameType
    ) -> ItemsView[str, Any]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        credentials = request_credentials(request)
        if not credentials:
            return variables
        return {
            name: self.cleansed_substitute if _mentions(value, credentials) else value
            for name, value in variables
        }.items()
