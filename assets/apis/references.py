"""What a request body refers to, resolved as the client may see it."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from rest_framework import status

from api.errors import ApiError
from assets.selectors import (
    NetworkIds,
    asset_group_visible_get,
    network_visible_get,
    rate_visible_get,
)

# Keyed by the serializers' `source`: the model field the referenced row is stored in.
RESOLVERS: dict[str, Callable[[str, NetworkIds], Model]] = {
    "network": lambda pk, ids: network_visible_get(network_id=pk, network_ids=ids),
    "asset_group": lambda pk, ids: asset_group_visible_get(group_id=pk, network_ids=ids),
    "rate": lambda pk, ids: rate_visible_get(rate_id=pk, network_ids=ids),
}


def resolve_references(values: dict[str, Any], network_ids: NetworkIds) -> dict[str, Any]:
    """`values` with referenced ids replaced by their rows; an id the client may not see is a
    404 naming what it is (network_not_found, ...), as if it did not exist. None stays None:
    it clears the reference."""
    resolved = dict(values)
    for field, get in RESOLVERS.items():
        if resolved.get(field) is not None:
            resolved[field] = get(str(resolved[field]), network_ids)
    return resolved


def network_restricted(message: str) -> ApiError:
    """A client restricted to networks may not make or change what reaches beyond them."""
    return ApiError(status.HTTP_403_FORBIDDEN, "network_restricted", message)
