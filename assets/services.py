"""Writes to assets by operators and commands: stations registered, their connectors, asset
groups and site partners. What stations report about themselves is in assets.station_reports."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, models, transaction
from rest_framework import status

from api.errors import ApiError
from assets.models import Asset, AssetGroup, Connector, SecurityProfile, SitePartner
from networks.models import Network
from networks.services import network_get_or_create
from rates.models import Rate

STATION_HASHER = "pbkdf2_sha256_station"


def station_upsert(
    *,
    identity: str,
    password: str | None,
    protocol: str = "",
    network_name: str | None = None,
    security_profile: int = SecurityProfile.BASIC_AUTH,
) -> tuple[Asset, bool]:
    """Create the station `identity`, or update its password / protocol / network if it exists.

    Returns the asset and whether it was created.
    """
    with transaction.atomic():
        asset = Asset.objects.select_for_update().filter(identity=identity).first()
        created = asset is None
        if asset is None:
            asset = Asset(identity=identity, network=network_get_or_create(name=network_name))
        elif network_name:
            asset.network = network_get_or_create(name=network_name)
        if password is not None:
            asset.password_hash = station_password_hash(password)
        if protocol:
            asset.protocol = protocol
        asset.security_profile = security_profile
        asset.save()
    return asset, created


def station_password_hash(password: str | None) -> str:
    """The stored form of a station's Basic-auth password ("" for none: Basic auth refused)."""
    return make_password(password, hasher=STATION_HASHER) if password else ""


# --- What operators register: assets, asset groups, site partners ---------------------------
# Preconditions of all of these: the values were validated (assets.serializers) and every
# referenced network, group, rate and partner was resolved as visible to the caller
# (assets.selectors); what is checked here is what holds whoever the caller is.


class ConnectorSpec(TypedDict, total=False):
    evse_id: int
    connector_id: int
    connector_type: str
    max_amperage: int | None
    max_voltage: int | None


class AssetFields(TypedDict, total=False):
    name: str
    asset_group: AssetGroup | None
    rate: Rate | None
    password: str | None
    protocol: str
    security_profile: int
    heartbeat_interval: int | None
    registration_status: str
    connectors: list[ConnectorSpec]


class AssetChanges(AssetFields, total=False):
    network: Network


def asset_create(*, identity: str, network: Network, **fields: Unpack[AssetFields]) -> Asset:
    """Register the station `identity` in `network`, with its connectors.

    Raises ApiError 409 asset_identity_taken, 400 network_mismatch (group or rate of another
    network).
    """
    connectors = fields.pop("connectors", [])
    asset = Asset(identity=identity, network=network)
    _asset_assign(asset, fields)
    try:
        with transaction.atomic():
            asset.save()
            connectors_define(asset=asset, connectors=connectors)
    except IntegrityError:
        if not Asset.objects.filter(identity=identity).exists():
            raise
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "asset_identity_taken",
            # Not echoing it: the station holding the identity may be another tenant's.
            "An asset with this OCPP identity already exists.",
            {"field": "ocppIdentity"},
        ) from None
    return asset


def asset_update(*, asset: Asset, **fields: Unpack[AssetChanges]) -> Asset:
    """Change what the operator registered; the connectors given are created or updated by
    (evseId, connectorId) and the others kept. Raises ApiError 400 network_mismatch."""
    connectors = fields.pop("connectors", [])
    changed = _asset_assign(asset, fields)
    with transaction.atomic():
        # Only the fields given: stations update presence and boot data concurrently.
        asset.save(update_fields=[*changed, "updated_at"])
        connectors_define(asset=asset, connectors=connectors)
    return asset


def _asset_assign(asset: Asset, fields: Mapping[str, Any]) -> list[str]:
    """Set `fields` on `asset` (hashing the password); returns the model fields changed."""
    values: dict[str, Any] = dict(fields)
    if "password" in values:
        values["password_hash"] = station_password_hash(values.pop("password"))
    for name, value in values.items():
        setattr(asset, name, value)
    _same_network(asset.network_id, asset.asset_group, "assetGroupId", "asset group")
    _same_network(asset.network_id, asset.rate, "rateId", "rate")
    return list(values)


def _same_network(network_id: Any, item: models.Model | None, field: str, what: str) -> None:
    """Things of one network are only combined with things of the same network (or shared)."""
    item_network_id = getattr(item, "network_id", None)
    if item_network_id is not None and item_network_id != network_id:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "network_mismatch",
            f"The {what} belongs to another network.",
            {"field": field},
        )


def connectors_define(*, asset: Asset, connectors: Iterable[ConnectorSpec]) -> None:
    """Create or update connectors' physical description; their status stays the station's."""
    for spec in connectors:
        values: dict[str, Any] = dict(spec)
        key = {"evse_id": values.pop("evse_id"), "connector_id": values.pop("connector_id", 1)}
        Connector.objects.update_or_create(asset=asset, **key, defaults=values)


class AssetGroupFields(TypedDict, total=False):
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    state: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    timezone: str
    opening_hours: list[dict[str, Any]]
    open_24x7: bool


class AssetGroupChanges(AssetGroupFields, total=False):
    name: str


def asset_group_create(
    *, network: Network, name: str, **fields: Unpack[AssetGroupFields]
) -> AssetGroup:
    """Create a location of `network`."""
    group = AssetGroup(network=network, name=name)
    _asset_group_assign(group, fields)
    group.save()
    return group


def asset_group_update(*, group: AssetGroup, **fields: Unpack[AssetGroupChanges]) -> AssetGroup:
    """Change the location; its network stays (its assets and partners depend on it)."""
    group.save(update_fields=[*_asset_group_assign(group, fields), "updated_at"])
    return group


def _asset_group_assign(group: AssetGroup, fields: Mapping[str, Any]) -> list[str]:
    """Set `fields`; the latest word on hours wins: open 24x7 clears the opening hours, and
    opening hours end open 24x7, so a location never claims both."""
    values: dict[str, Any] = dict(fields)
    if values.get("open_24x7"):
        values["opening_hours"] = []
    elif values.get("opening_hours"):
        values["open_24x7"] = False
    for name, value in values.items():
        setattr(group, name, value)
    return list(values)


def asset_group_add_site_partners(
    *, group: AssetGroup, site_partners: Iterable[SitePartner]
) -> AssetGroup:
    """Link the partners to the location (idempotent). A partner of another network is
    refused with ApiError 400 network_mismatch; shared partners (no network) fit any."""
    partners = list(site_partners)
    for partner in partners:
        _same_network(group.network_id, partner, "sitePartnerIds", f"site partner {partner.pk}")
    group.site_partners.add(*partners)
    return group


class SitePartnerContact(TypedDict, total=False):
    contact_email: str
    contact_phone: str


class SitePartnerChanges(SitePartnerContact, total=False):
    name: str
    type: str


def site_partner_create(
    *, network: Network | None, name: str, type: str, **contact: Unpack[SitePartnerContact]
) -> SitePartner:
    """Create a partner of `network`, or one shared by every network when None."""
    return SitePartner.objects.create(network=network, name=name, type=type, **contact)


def site_partner_update(
    *, site_partner: SitePartner, **fields: Unpack[SitePartnerChanges]
) -> SitePartner:
    """Change the partner; its network stays (groups it serves depend on it)."""
    for name, value in fields.items():
        setattr(site_partner, name, value)
    site_partner.save(update_fields=[*fields, "updated_at"])
    return site_partner
