"""Reads of assets."""

import base64
import binascii
import logging
import uuid
from typing import Any, TypeVar

from django.contrib.auth.hashers import check_password
from django.db.models import Model, Q, QuerySet

from api.errors import not_found
from api.identifiers import is_uuid
from assets.models import Asset, AssetGroup, SecurityProfile, SitePartner
from assets.statements import asset_columns_by
from networks.models import Network
from ocpp_bridge.charger.handshake_guard import HandshakeGuard, handshake_guard
from ocpp_bridge.charger.tls_proxy import PLAIN, TransportSecurity
from rates.models import Rate

M = TypeVar("M", bound=Model)

logger = logging.getLogger(__name__)


def basic_auth_credentials(header: bytes | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header, or None."""
    if not header or header[:6].lower() != b"basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def station_authenticate(
    *,
    identity: str,
    authorization: bytes | None,
    transport: TransportSecurity = PLAIN,
    remote_addr: str | None = None,
    guard: HandshakeGuard | None = None,
) -> Asset | None:
    """The asset for a handshake by `identity` from `remote_addr`, or None when it must be
    refused (the reason is logged at INFO, never a secret).

    `transport` is what the TLS proxy vouched for (ocpp_bridge.charger.tls_proxy). Profile 1: Basic
    auth, over TLS or not. Profile 2: TLS and Basic auth. Profile 3: TLS and a verified client
    certificate whose subject CN is the identity; a Basic auth header is then ignored.
    Basic auth means user = identity and the password matching the stored hash.

    Every refusal counts against the address and the station from that address (`guard`, by
    default the settings'); while either is locked the handshake is refused before any
    password check. Failures from other addresses never lock the station's own out, and a
    station that got in from an address lately passes that address's lock (carrier NAT).
    """
    guard = guard or handshake_guard()
    if guard.address_locked(remote_addr, identity):
        logger.info("Refused station %r: too many failed handshakes from its address", identity)
        return None
    asset = Asset.objects.select_related("network").filter(identity=identity).first()
    if asset is not None and guard.station_locked(asset.pk, remote_addr):
        logger.info("Refused station %r: too many failed handshakes", identity)
        return None
    reason = station_refusal(asset, identity, authorization, transport)
    if reason is not None:
        logger.info("Refused station %r: %s", identity, reason)
        guard.record_failure(asset_id=asset and asset.pk, address=remote_addr)
        return None
    guard.record_success(identity=identity, address=remote_addr)
    return asset


def station_expects_basic_auth(identity: str) -> bool:
    """Whether a refused handshake by `identity` is challenged for Basic auth (401): all but
    profile 3 stations, and unknown identities, which must look like any wrong password."""
    profile = Asset.objects.filter(identity=identity).values_list("security_profile", flat=True)
    return profile.first() != SecurityProfile.TLS_CLIENT_CERT


def station_refusal(
    asset: Asset | None, identity: str, authorization: bytes | None, transport: TransportSecurity
) -> str | None:
    """Why the handshake must be refused, or None when the asset's profile is satisfied."""
    if asset is None:
        return "unknown identity"
    profile = asset.security_profile
    if profile != SecurityProfile.BASIC_AUTH and not transport.tls:
        return f"security profile {profile} needs TLS through the proxy"
    if profile == SecurityProfile.TLS_CLIENT_CERT:
        if transport.client_cert_identity is None:
            return "security profile 3 needs a verified client certificate"
        if transport.client_cert_identity != identity:
            return f"client certificate is for {transport.client_cert_identity!r}"
        return None
    return basic_auth_refusal(asset, identity, authorization)


def basic_auth_refusal(asset: Asset, identity: str, authorization: bytes | None) -> str | None:
    credentials = basic_auth_credentials(authorization)
    if credentials is None:
        return "no Basic auth"
    if credentials[0] != identity:
        return "Basic auth user is not the identity"
    if not asset.password_hash:
        return "no password set"
    if not check_password(credentials[1], asset.password_hash):
        return "wrong password"
    return None


# --- What an API client may see --------------------------------------------------------------
# The one reader of what a client restricted to networks may see, whichever API asks (the
# request's side is api.access). `network_ids` is the set of networks a client is restricted
# to, or None for no restriction (api.access.client_network_ids); outside it a row is treated
# as if it did not exist.

NetworkIds = set[Any] | None


def within_networks(
    queryset: QuerySet[M], network_ids: NetworkIds, *, shared: bool = False
) -> QuerySet[M]:
    """`queryset` limited to the client's networks; `shared` also keeps rows of no network,
    which belong to every network (site partners)."""
    if network_ids is None:
        return queryset
    if shared:
        return queryset.filter(Q(network__isnull=True) | Q(network_id__in=network_ids))
    return queryset.filter(network_id__in=network_ids)


def in_networks(network_id: Any, network_ids: NetworkIds) -> bool:
    """`within_networks` for one row already read: whether its `network_id` is the client's."""
    return network_ids is None or network_id in network_ids


def visible_get(queryset: QuerySet[M], pk: str, what: str) -> M:
    """The row `pk` of `queryset`, or a 404 `<what>_not_found`; a malformed id is unknown too."""
    found = queryset.filter(pk=pk).first() if is_uuid(pk) else None
    if found is None:
        raise not_found(what, pk)
    return found


def networks_visible(*, network_ids: NetworkIds) -> QuerySet[Network]:
    networks = Network.objects.all()
    return networks if network_ids is None else networks.filter(pk__in=network_ids)


def network_visible_get(*, network_id: str, network_ids: NetworkIds) -> Network:
    return visible_get(networks_visible(network_ids=network_ids), network_id, "network")


def rate_visible_get(*, rate_id: str, network_ids: NetworkIds) -> Rate:
    """A rate of the client's networks, or one shared by all (no network)."""
    rates = within_networks(Rate.objects.all(), network_ids, shared=True)
    return visible_get(rates, rate_id, "rate")


def asset_groups_visible(
    *, network_ids: NetworkIds, network_id: uuid.UUID | None = None
) -> QuerySet[AssetGroup]:
    """Groups the client may see (of `network_id` when given), loaded for presenting."""
    groups = AssetGroup.objects.select_related("network").prefetch_related("site_partners")
    if network_id is not None:
        groups = groups.filter(network_id=network_id)
    return within_networks(groups, network_ids)


def asset_group_visible_get(*, group_id: str, network_ids: NetworkIds) -> AssetGroup:
    return visible_get(asset_groups_visible(network_ids=network_ids), group_id, "asset_group")


def site_partners_visible(
    *,
    network_ids: NetworkIds,
    network_id: uuid.UUID | None = None,
    partner_type: str | None = None,
) -> QuerySet[SitePartner]:
    """Partners the client may see: of its networks or shared. `network_id` keeps that
    network's own partners and the shared ones, which serve it as well."""
    partners = SitePartner.objects.select_related("network")
    if network_id is not None:
        partners = partners.filter(Q(network_id=network_id) | Q(network__isnull=True))
    if partner_type is not None:
        partners = partners.filter(type=partner_type)
    return within_networks(partners, network_ids, shared=True)


def site_partner_visible_get(*, partner_id: str, network_ids: NetworkIds) -> SitePartner:
    partners = site_partners_visible(network_ids=network_ids)
    return visible_get(partners, partner_id, "site_partner")


SHOWN_WITH_ASSET = ("network", "current_connection")


def assets_visible(
    *, network_ids: NetworkIds, related: tuple[str, ...] = SHOWN_WITH_ASSET
) -> QuerySet[Asset]:
    """The assets the client may see, with `related` joined."""
    # `select_related()` with no names follows every foreign key: only name the ones wanted.
    assets = Asset.objects.select_related(*related) if related else Asset.objects.all()
    return within_networks(assets, network_ids)


def asset_visible_get(
    *,
    asset_id: str,
    network_ids: NetworkIds,
    network_id: str | None = None,
    related: tuple[str, ...] = SHOWN_WITH_ASSET,
) -> Asset:
    """The asset, if the client may see it (and it belongs to `network_id` when given);
    otherwise 404, with no hint that an asset of another network exists."""
    assets = assets_visible(network_ids=network_ids, related=related)
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
    *, asset_id: str, network_ids: NetworkIds, network_id: str | None, fields: tuple[str, ...]
) -> Asset:
    """`asset_visible_get` for a command: only the columns in `fields`, no joins, and the
    client's networks checked on the row read (a hand-built statement: a raw request does this
    on every call, assets.statements)."""
    fields = tuple(dict.fromkeys((*fields, "network_id")))
    if network_id is not None and not is_uuid(network_id):
        raise not_found("asset", asset_id)  # no network has such an id: no asset is in it
    wanted_network = uuid.UUID(str(network_id)) if network_id is not None else None

    def visible(asset: Asset) -> bool:
        if not in_networks(asset.network_id, network_ids):
            return False
        return wanted_network is None or asset.network_id == wanted_network

    # By its id or, as stations know themselves, by its OCPP identity (as asset_visible_get).
    lookups = ("id", "identity") if is_uuid(asset_id) else ("identity",)
    for lookup in lookups:
        asset = asset_columns_by(lookup, fields).get(asset_id)
        if asset is not None and visible(asset):
            return asset
    raise not_found("asset", asset_id)


def _unique(assets: QuerySet[Asset], **lookup: Any) -> Asset | None:
    """The asset of a unique lookup: `get` leaves out the ORDER BY that `first` adds, on every
    command sent through the API (docs/PERFORMANCE.md, fix 13)."""
    try:
        return assets.get(**lookup)
    except Asset.DoesNotExist:
        return None


def assets_with_details(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """Everything an asset's representation shows, in a fixed number of queries for any page."""
    return assets.select_related("network", "asset_group", "rate").prefetch_related("connectors")


def assets_filter(
    assets: QuerySet[Asset],
    *,
    vendor: str | None = None,
    model: str | None = None,
    firmware_version: str | None = None,
    asset_group_ids: list[uuid.UUID] | None = None,
    network_id: uuid.UUID | None = None,
    online: bool | None = None,
) -> QuerySet[Asset]:
    """Assets matching every given filter; make, model and firmware ignore case, as stations
    spell their vendor inconsistently across firmware releases."""
    if vendor is not None:
        assets = assets.filter(vendor__iexact=vendor)
    if model is not None:
        assets = assets.filter(model__iexact=model)
    if firmware_version is not None:
        assets = assets.filter(firmware_version__iexact=firmware_version)
    if asset_group_ids is not None:
        assets = assets.filter(asset_group_id__in=asset_group_ids)
    if network_id is not None:
        assets = assets.filter(network_id=network_id)
    if online is not None:
        assets = assets.filter(is_online=online)
    return assets
