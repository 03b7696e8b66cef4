"""What an API client may see: the networks it is restricted to, if any."""

import functools
import uuid
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.errors import not_found
from assets.models import Asset
from csms.runtime.row_sql import RowSelect
from networks.models import Network


def client_network_ids(request: Request) -> set[Any] | None:
    """The ids of the networks the client is restricted to, or None for no restriction."""
    application = getattr(request.auth, "application", None)
    if application is None:
        return None
    # Kept on the client as loaded with its token: api/token_cache.py loads both afresh after
    # any change to the client's networks (api/apps.py), so this is as current as the token.
    ids: frozenset[Any] | None = getattr(application, "network_ids_loaded", None)
    if ids is None:
        ids = frozenset(application.networks.values_list("id", flat=True))
        application.network_ids_loaded = ids
    return set(ids) or None


SHOWN_WITH_ASSET = ("network", "current_connection")


def assets_visible(
    request: Request, *, related: tuple[str, ...] = SHOWN_WITH_ASSET
) -> QuerySet[Asset]:
    # `select_related()` with no names follows every foreign key: only name the ones wanted.
    assets = Asset.objects.select_related(*related) if related else Asset.objects.all()
    network_ids = client_network_ids(request)
    return assets if network_ids is None else assets.filter(network_id__in=network_ids)


def asset_visible_get(
    request: Request,
    asset_id: str,
    *,
    network_id: str | None = None,
    related: tuple[str, ...] = SHOWN_WITH_ASSET,
) -> Asset:
    """The asset, if the client may see it (and it belongs to `network_id` when given);
    otherwise 404, with no hint that an asset of another network exists."""
    assets = assets_visible(request, related=related)
    if network_id is not None:
        assets = assets.filter(network_id=network_id) if is_uuid(network_id) else assets.none()
    # An asset is addressed by its id or, as stations know themselves, by its OCPP identity.
    asset = _unique(assets, pk=asset_id) if is_uuid(asset_id) else None
    if asset is None:
        asset = _unique(assets, identity=asset_id)
    if asset is None:
        raise not_found("asset", asset_id)
    return asset


def asset_visible_columns(
    request: Request, asset_id: str, *, network_id: str | None, fields: tuple[str, ...]
) -> Asset:
    """`asset_visible_get` for a command: only the columns in `fields`, no joins, and the
    client's networks checked on the row read. A raw request does this on every call, and
    the queryset's SQL cost more to build than the statement to run (csms/runtime/row_sql.py)."""
    fields = tuple(dict.fromkeys((*fields, "network_id")))
    network_ids = client_network_ids(request)
    if network_id is not None and not is_uuid(network_id):
        raise not_found("asset", asset_id)  # no network has such an id: no asset is in it
    wanted_network = uuid.UUID(str(network_id)) if network_id is not None else None

    def visible(asset: Asset) -> bool:
        if network_ids is not None and asset.network_id not in network_ids:
            return False
        return wanted_network is None or asset.network_id == wanted_network

    # By its id or, as stations know themselves, by its OCPP identity (as asset_visible_get).
    lookups = ("id", "identity") if is_uuid(asset_id) else ("identity",)
    for lookup in lookups:
        asset = _column_read(lookup, fields).get(asset_id)
        if asset is not None and visible(asset):
            return asset
    raise not_found("asset", asset_id)


@functools.cache
def _column_read(lookup: str, fields: tuple[str, ...]) -> RowSelect[Asset]:
    return RowSelect(Asset, [lookup], columns=fields)


def _unique(assets: QuerySet[Asset], **lookup: Any) -> Asset | None:
    """The asset of a unique lookup: `get` leaves out the ORDER BY that `first` adds (the query
    costs about a fifth less CPU, on every command sent through the API)."""
    try:
        return assets.get(**lookup)
    except Asset.DoesNotExist:
        return None


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def network_choice_check(request: Request, network_id: Any) -> None:
    """400 unless the client may put a resource (token, webhook endpoint) in `network_id`
    (None: every network). A network outside the client's is answered as if it did not exist."""
    network_ids = client_network_ids(request)
    if network_id is None:
        if network_ids is not None:
            raise ValidationError({"networkId": ["Give one of your networks."]})
        return
    outside = network_ids is not None and network_id not in network_ids
    if outside or not Network.objects.filter(pk=network_id).exists():
        raise ValidationError({"networkId": [f"No network with id '{network_id}'."]})
