"""Request-level refusals of the API in its JSON error envelope, before any view runs.

Django answers these itself with HTML pages (a 400 for a body past
DATA_UPLOAD_MAX_MEMORY_SIZE) or not at all (a NUL in a path or query id reaches PostgreSQL,
which refuses it: a 500). For API paths (api.errors.is_api_request) they are JSON:
413 payload_too_large, 404 / 400 invalid_characters (in the path / the query), 400
bad_request.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from rest_framework import status

from api.errors import error_response, is_api_request

HTML_ERROR_CODES = {404: "route_not_found", 500: "internal_error"}


class ApiRequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            refusal = _too_large(request) or _unreadable_text(request)
            if refusal is not None:
                return refusal
            return _as_json(self.get_response(request))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A body found too big while a view read it (no Content-Length told beforehand), or
        another request Django calls suspicious, raised inside an API view."""
        if not is_api_request(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return _payload_too_large()
        if isinstance(exception, SuspiciousOperation):
            return error_response(status.HTTP_400_BAD_REQUEST, "bad_request", str(exception))
        return None


def _as_json(response: HttpResponse) -> HttpResponse:
    """An HTML error page Django rendered for an API path (a route no view has, with DEBUG
    on its technical pages instead of api.errors.handler404 / handler500), as the envelope."""
    if response.status_code < 400 or not response.get("Content-Type", "").startswith("text/html"):
        return response
    code = HTML_ERROR_CODES.get(response.status_code, "bad_request")
    return error_response(response.status_code, code, f"{response.reason_phrase}.")


def _too_large(request: HttpRequest) -> HttpResponse | None:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not (length.isascii() and length.isdigit()):
        return error_response(
            status.HTTP_400_BAD_REQUEST, "bad_request", "Content-Length is not a number."
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and int(length) > limit:
        return _payload_too_large()
    return None


def _payload_too_large() -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        "payload_too_large",
        f"The request body is larger than {limit} bytes.",
        {"maxBytes": limit},
    )


def _unreadable_text(request: HttpRequest) -> HttpResponse | None:
    """A control character (NUL above all) or an unpaired surrogate in the path or a query
    parameter: no id or filter holds one, and PostgreSQL refuses NUL in any text."""
    texts = [("path", request.path)]
    texts += [(f"query.{key}", value) for key, values in request.GET.lists() for value in values]
    texts += [(f"query.{key}", key) for key in request.GET]
    for where, text in texts:
        if not _clean(text):
            # A path holding one names nothing (404, as every id operation documents); a
            # query parameter holding one is a bad request.
            return error_response(
                status.HTTP_404_NOT_FOUND if where == "path" else status.HTTP_400_BAD_REQUEST,
                "invalid_characters",
                f"The {where.split('.')[0]} holds a control character or an unpaired surrogate.",
                {"field": where.removeprefix("query.")},
            )
    return None


def _clean(text: str) -> bool:
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
