"""Errors of the REST API: JSON with a stable machine-readable code and a human message.

{"error": {"code": "asset_not_found", "message": "...", "details": {...}}}
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(APIException):
    """A domain error with its HTTP status and code; raise it from views or services."""

    def __init__(
        self, http_status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = http_status
        self.error_code = code
        self.message = message
        self.details = details or {}


def not_found(what: str, identifier: str) -> ApiError:
    return ApiError(
        status.HTTP_404_NOT_FOUND, f"{what}_not_found", f"No {what} with id {identifier!r}."
    )


_DRF_CODES = {
    "not_authenticated": "unauthenticated",
    "authentication_failed": "invalid_token",
    "permission_denied": "insufficient_scope",
    "parse_error": "malformed_json",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {"code": exc.error_code, "message": exc.message, "details": exc.details}
    elif isinstance(exc, ValidationError):
        body = {
            "code": "invalid_request",
            "message": _first_message(exc.detail),
            "details": {"fields": exc.detail},
        }
    else:
        code = exc.get_codes() if isinstance(exc, APIException) else "error"
        code = code if isinstance(code, str) else "error"
        body = {"code": _DRF_CODES.get(code, code), "message": str(response.data.get("detail", ""))}
        body["details"] = {}
    response.data = {"error": body}
    return response


def _first_message(detail: Any, path: str = "") -> str:
    """The first validation message, prefixed with the field it is about."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_message(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], path)
    return f"{path}: {detail}" if path else str(detail)


# --- errors Django answers outside DRF views: unknown routes, 500s, request-level refusals ----

# Paths Django renders as HTML pages (admin, the operator UI, the API's documentation pages).
HTML_PREFIXES = ("/admin", "/static", "/stations", "/ui/", "/api/docs", "/api/redoc")
API_PREFIXES = (
    "/asset-management/", "/ocpp/", "/sessions", "/tokens", "/webhooks/", "/api/schema", "/oauth/"
)  # fmt: skip


def is_api_request(request: HttpRequest) -> bool:
    """Whether an error on this request is answered in the API's JSON envelope: always under
    an API prefix, never on the HTML pages, and elsewhere (an unknown route) unless the client
    asks for HTML, as a browser does."""
    path = request.path
    if path == "/" or path.startswith(HTML_PREFIXES):
        return False
    if path.startswith(API_PREFIXES):
        return True
    return "text/html" not in request.headers.get("Accept", "")


def error_response(
    http_status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JsonResponse(body, status=http_status)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception or Http404())
    return error_response(
        status.HTTP_404_NOT_FOUND, "route_not_found", f"No API operation at {request.path!r}."
    )


def handler500(request: HttpRequest) -> HttpResponse:
    if not is_api_request(request):
        return defaults.server_error(request)
    return error_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "The server failed; it is logged."
    )
