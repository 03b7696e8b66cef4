"""The platform's envelopes: `{"data": {...}}` for one object, and for lists
`{"data": {"hasMore": bool, "items": [...]}}` with `limit` (default 20, max 100) and
`startingAfter` (the id of the last item of the previous page)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def one(item: dict[str, Any], *, http_status: int = status.HTTP_200_OK) -> Response:
    return Response({"data": item}, status=http_status)


def page_limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_limit",
            f"limit must be an integer from 1 to {MAX_LIMIT}.",
            {"field": "limit"},
        )
    return int(raw)


def paginated(
    request: Request,
    queryset: QuerySet[Any],
    present: Callable[[Any], dict[str, Any]],
    *,
    order_field: str = "created_at",
) -> Response:
    """One page of `queryset`, ordered by (`order_field`, pk), after `startingAfter` if given.

    An unknown `startingAfter` is a 400: a cursor must name an item the client has seen.
    """
    limit = page_limit(request)
    queryset = queryset.order_by(order_field, "pk")
    cursor = request.query_params.get("startingAfter")
    if cursor:
        queryset = queryset.filter(_after(queryset, cursor, order_field))
    items = list(queryset[: limit + 1])
    return Response(
        {"data": {"hasMore": len(items) > limit, "items": [present(i) for i in items[:limit]]}}
    )


def _after(queryset: QuerySet[Any], cursor: str, order_field: str) -> Q:
    try:
        anchor: Model | None = queryset.filter(pk=cursor).first()
    except (ValueError, TypeError, ValidationError):  # not even the key's type (e.g. a UUID)
        anchor = None
    if anchor is None:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_cursor",
            f"startingAfter {cursor!r} is not an item of this list.",
            {"field": "startingAfter"},
        )
    value = getattr(anchor, order_field)
    return Q(**{f"{order_field}__gt": value}) | Q(**{order_field: value, "pk__gt": anchor.pk})
