"""Writes to assets: registration by operators, and what stations report about themselves."""

from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, Connector, SecurityProfile, StationEvent, StationVariable
from networks.services import network_get_or_create

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
            asset.password_hash = make_password(password, hasher=STATION_HASHER)
        if protocol:
            asset.protocol = protocol
        asset.security_profile = security_profile
        asset.save()
    return asset, created


def asset_record_boot(*, asset_id: Any, info: dict[str, str], reason: str = "") -> Asset:
    """Store what a BootNotification told about the station; returns the refreshed asset."""
    fields = {name: (value or "")[:50] for name, value in info.items()}
    Asset.objects.filter(pk=asset_id).update(
        **fields, boot_reason=reason, last_boot_at=timezone.now(), last_seen_at=timezone.now()
    )
    return Asset.objects.get(pk=asset_id)


def asset_touch(*, asset_id: Any) -> None:
    """Record that the station was heard from just now."""
    Asset.objects.filter(pk=asset_id).update(last_seen_at=timezone.now())


def asset_record_firmware_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(
        firmware_status=status, firmware_status_at=timezone.now()
    )


def asset_record_diagnostics_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(
        diagnostics_status=status, diagnostics_status_at=timezone.now()
    )


def asset_record_station_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(station_status=status)


def connector_record_status(
    *,
    asset_id: Any,
    evse_id: int,
    connector_id: int,
    status: str,
    at: datetime | None,
    error_code: str = "",
    info: str = "",
    vendor_error_code: str = "",
) -> Connector:
    """Create or update a connector's status. A report older than the stored one is ignored:
    stations may deliver queued StatusNotifications out of order after an outage."""
    at = at or timezone.now()
    connector, created = Connector.objects.get_or_create(
        asset_id=asset_id,
        evse_id=evse_id,
        connector_id=connector_id,
        defaults={"status": status, "status_at": at, "error_code": error_code, "info": info},
    )
    if created or (connector.status_at and connector.status_at > at):
        return connector
    connector.status = status
    connector.status_at = at
    connector.error_code = error_code
    connector.info = info
    connector.vendor_error_code = vendor_error_code
    connector.save(update_fields=["status", "status_at", "error_code", "info", "vendor_error_code"])
    return connector


def station_event_record(
    *,
    asset_id: Any,
    kind: str,
    event_type: str,
    occurred_at: datetime,
    tech_info: str = "",
    details: dict[str, Any] | None = None,
) -> StationEvent:
    return StationEvent.objects.create(
        asset_id=asset_id,
        kind=kind,
        event_type=event_type[:50],
        occurred_at=occurred_at,
        tech_info=tech_info,
        details=details or {},
    )


def station_variable_upsert(*, asset_id: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Store a reported variable, keyed by component / EVSE / connector / variable / attribute."""
    StationVariable.objects.update_or_create(asset_id=asset_id, **key, defaults=values)
