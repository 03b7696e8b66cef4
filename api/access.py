"""What an API client may see: the networks it is restricted to, if any.

What that restriction lets a client see is decided once, in assets.selectors (`within_networks`
and the asset readers); the functions here give those readers the request's networks.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from assets import selectors
from assets.models import Asset
from assets.selectors import SHOWN_WITH_ASSET
from networks.models import Network


def client_network_ids(request: Request) -> set[Any] | None:
    """The ids of the networks the client is restricted to (possibly none: it sees nothing), or
    None for an unrestricted client. Fails closed: only the client's explicit `unrestricted`
    flag means every network, never an empty set of networks."""
    application = getattr(request.auth, "application", None)
    if application is None:
        # A token without a client (none is issued so) is restricted to nothing.
        return set()
    if application.unrestricted:
        return None
    # Kept on the client as loaded with its token: api/token_cache.py loads both afresh after
    # any change to the client's networks (api/apps.py), so this is as current as the token.
    ids: frozenset[Any] | None = getattr(application, "network_ids_loaded", None)
    if ids is None:
        ids = frozenset(application.networks.values_list("id", flat=True))
        application.network_ids_loaded = ids
    return set(ids)


def assets_visible(
    request: Request, *, related: tuple[str, ...] = SHOWN_WITH_ASSET
) -> QuerySet[Asset]:
    """The assets the request's client may see (assets.selectors.assets_visible)."""
    return selectors.assets_visible(network_ids=client_network_ids(request), related=related)


def asset_visible_get(
    request: Request,
    asset_id: str,
    *,
    network_id: str | None = None,
    related: tuple[str, ...] = SHOWN_WITH_ASSET,
) -> Asset:
    """The asset, if the request's client may see it, else 404
    (assets.selectors.asset_visible_get)."""
    return selectors.asset_visible_get(
        asset_id=asset_id,
        network_ids=client_network_ids(request),
        network_id=network_id,
        related=related,
    )


def asset_visible_columns(
    request: Request, asset_id: str, *, network_id: str | None, fields: tuple[str, ...]
) -> Asset:
    """`asset_visible_get` for a command, reading only `fields`
    (assets.selectors.asset_visible_columns)."""
    return selectors.asset_visible_columns(
        asset_id=asset_id,
        network_ids=client_network_ids(request),
        network_id=network_id,
        fields=fields,
    )


def network_choice_check(request: Request, network_id: Any) -> None:
    """400 unless the client may put a resource (token, webhook endpoint) in `network_id`
    (None: every network). A network outside the client's is answered as if it did not exist."""
    network_ids = client_network_ids(request)
    if network_id is None:
        if network_ids is not None:
            raise ValidationError({"networkId": ["Give one of your networks."]})
        return
    outside = not selectors.in_networks(network_id, network_ids)
    if outside or not Network.objects.filter(pk=network_id).exists():
        raise ValidationError({"networkId": [f"No network with id '{network_id}'."]})
