"""The platform's envelopes: `{"data": {...}}` for one object, and for lists
`{"data": {"hasMore": bool, "items": [...]}}` with `limit` (default 20, max 100) and
`startingAfter` (the id of the last item of the previous page).

Lists page through `EnvelopePagination`, a DRF pagination class, so drf-spectacular documents
each list's page and its parameters from the class rather than from hand-written shapes.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError
from api.identifiers import is_decimal_id
from api.openapi import ListSchema

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def one(item: dict[str, Any], *, http_status: int = status.HTTP_200_OK) -> Response:
    return Response({"data": item}, status=http_status)


class EnvelopePagination(BasePagination):
    """Cursor pages of a queryset ordered by (`order_field`, pk), after `startingAfter` if given.

    An unknown `startingAfter` is a 400: a cursor must name an item the client has seen.
    """

    order_field = "created_at"
    has_more = False

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):  # DRF's signature admits lists: a cursor needs rows
            raise TypeError("EnvelopePagination pages a queryset.")
        limit = page_limit(request)
        ordered = queryset.order_by(self.order_field, "pk")
        cursor = request.query_params.get("startingAfter")
        if cursor:
            ordered = ordered.filter(_after(ordered, cursor, self.order_field))
        rows = list(ordered[: limit + 1])  # one more than the page tells whether more follow
        self.has_more = len(rows) > limit
        return rows[:limit]

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response({"data": {"hasMore": self.has_more, "items": list(data)}})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The page around `schema`, the array of items drf-spectacular built for the list."""
        data = {
            "type": "object",
            "properties": {"hasMore": {"type": "boolean"}, "items": schema},
            "required": ["hasMore", "items"],
        }
        return {"type": "object", "properties": {"data": data}, "required": ["data"]}

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            _query_parameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                f"Items per page, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})",
            ),
            _query_parameter(
                "startingAfter", {"type": "string"}, "The id of the previous page's last item"
            ),
        ]


# A view whose GET answers a list: one page of it, through `EnvelopePagination`. Its
# `@extend_schema` gives the item serializer as `many=True`; the page around it is generated
# (`ListSchema` names it). Comments, not a docstring: drf-spectacular would publish a
# docstring as the description of every operation of every list view.
class PaginatedView(GenericAPIView):
    pagination_class = EnvelopePagination
    schema = ListSchema()

    def page(self, queryset: QuerySet[Any], present: Callable[[Any], dict[str, Any]]) -> Response:
        rows = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([present(row) for row in rows])


def page_limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not is_decimal_id(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_limit",
            f"limit must be an integer from 1 to {MAX_LIMIT}.",
            {"field": "limit"},
        )
    return int(raw)


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


def _query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
