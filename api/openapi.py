"""OpenAPI pieces shared by every list and resource endpoint."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import BasePagination
from rest_framework.views import APIView


def errors(extra: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """The error answers every endpoint may give, plus `extra` ({404: "asset_not_found"})."""
    answers = {
        400: "invalid_request (the message names the field) / invalid_limit / invalid_cursor",
        401: "unauthenticated / invalid_token",
        403: "insufficient_scope",
        **(extra or {}),
    }
    return {code: OpenApiResponse(description=text) for code, text in answers.items()}


class ListSchema(AutoSchema):
    """The schema of a list view: its answer is the `{Item}Page` component, whose `data` is the
    `{Item}PageData` component. These are the names the document gave lists when their shapes
    were written by hand; clients generate their type names from them."""

    def get_paginated_name(self, serializer_name: str) -> str:
        return f"{serializer_name}Page"

    # drf-spectacular asks this for the view's paginator when it builds a list's answer.
    def _get_paginator(self) -> "PageDataNamed | None":
        paginator = super()._get_paginator()
        return PageDataNamed(paginator, self.registry) if paginator is not None else None


class PageDataNamed:
    """A paginator as drf-spectacular sees it, with the page's `data` object registered as a
    component named after the item instead of written inline."""

    def __init__(self, paginator: BasePagination, registry: ComponentRegistry) -> None:
        self.paginator = paginator
        self.registry = registry

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return self.paginator.get_schema_operation_parameters(view)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = self.paginator.get_paginated_response_schema(schema)
        item = schema["items"]["$ref"].rsplit("/", 1)[-1]
        data = ResolvedComponent(
            name=f"{item}PageData",
            type=ResolvedComponent.SCHEMA,
            schema=page["properties"]["data"],
            object=f"{item}PageData",
        )
        self.registry.register_on_missing(data)
        return {**page, "properties": {**page["properties"], "data": data.ref}}
