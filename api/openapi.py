"""OpenAPI pieces shared by every list and resource endpoint."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

PAGE_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page, 1-100 (default 20)"),
    OpenApiParameter(
        "startingAfter", OpenApiTypes.STR, description="The id of the previous page's last item"
    ),
]


def errors(extra: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """The error answers every endpoint may give, plus `extra` ({404: "asset_not_found"})."""
    answers = {
        400: "invalid_request (the message names the field) / invalid_limit / invalid_cursor",
        401: "unauthenticated / invalid_token",
        403: "insufficient_scope",
        **(extra or {}),
    }
    return {code: OpenApiResponse(description=text) for code, text in answers.items()}
