"""The asset-management API's representations: plain dicts in the contract's camelCase.

Unknown values are null rather than "": a client tells "not reported" from a value at a glance.
The shapes are described for OpenAPI in assets.apis.schemas.
"""

from decimal import Decimal
from typing import Any

from assets.models import Asset, AssetGroup, Connector, SitePartner
from networks.models import Network
from ocpp_bridge.api.presenters import iso
from rates.models import Rate


def _text(value: str) -> str | None:
    return value or None


def _money(value: Decimal | None) -> str | None:
    # Strings keep prices exact: a JSON number is a binary float to most clients.
    return str(value) if value is not None else None


def _degrees(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _ref(item: Network | AssetGroup | None) -> dict[str, Any] | None:
    return {"id": str(item.pk), "name": item.name} if item is not None else None


def _times(item: Network | Asset | AssetGroup | SitePartner) -> dict[str, Any]:
    return {"createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at)}


def network_present(network: Network) -> dict[str, Any]:
    return {
        "id": str(network.pk),
        "name": network.name,
        "description": network.description,
        "concurrentCardUse": network.concurrent_card_use,
        **_times(network),
    }


def rate_present(rate: Rate | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    return {
        "id": str(rate.pk),
        "name": rate.name,
        "currency": rate.currency,
        "pricePerKwh": _money(rate.price_per_kwh),
        "pricePerHour": _money(rate.price_per_hour),
        "flatFee": _money(rate.flat_fee),
        "idleFeePerMinute": _money(rate.idle_fee_per_minute),
    }


def connector_present(connector: Connector) -> dict[str, Any]:
    return {
        "evseId": connector.evse_id,
        "connectorId": connector.connector_id,
        "status": _text(connector.status),
        "errorCode": _text(connector.error_code),
        "type": _text(connector.connector_type),
        "maxAmperage": connector.max_amperage,
        "maxVoltage": connector.max_voltage,
        "statusUpdatedAt": iso(connector.status_at),
    }


def manufacturing_present(asset: Asset) -> dict[str, Any]:
    """What the station said about itself in its last BootNotification."""
    return {
        "chargingStationMake": _text(asset.vendor),
        "chargingStationModel": _text(asset.model),
        "serialNumber": _text(asset.serial_number),
        "chargeBoxSerialNumber": _text(asset.charge_box_serial_number),
        "firmwareVersion": _text(asset.firmware_version),
        "iccid": _text(asset.iccid),
        "imsi": _text(asset.imsi),
        "meterType": _text(asset.meter_type),
        "meterSerialNumber": _text(asset.meter_serial_number),
    }


def asset_present(asset: Asset) -> dict[str, Any]:
    """An asset; expects network, asset_group, rate and connectors loaded with it
    (assets.selectors.assets_with_details) so that a page costs a fixed number of queries."""
    return {
        "id": str(asset.pk),
        "name": asset.name,
        "ocppIdentity": asset.identity,
        "network": _ref(asset.network),
        "assetGroup": _ref(asset.asset_group),
        "protocol": _text(asset.protocol),
        "securityProfile": asset.security_profile,
        "registrationStatus": asset.registration_status,
        "heartbeatInterval": asset.heartbeat_interval,
        "online": asset.is_online,
        "lastSeen": iso(asset.last_seen_at),
        "connectedAt": iso(asset.connected_at),
        "manufacturing": manufacturing_present(asset),
        "connectors": [connector_present(c) for c in asset.connectors.all()],
        "rate": rate_present(asset.rate),
        **_times(asset),
    }


def site_partner_present(partner: SitePartner) -> dict[str, Any]:
    return {
        "id": str(partner.pk),
        "name": partner.name,
        "type": partner.type,
        "network": _ref(partner.network),
        "contactEmail": _text(partner.contact_email),
        "contactPhone": _text(partner.contact_phone),
        **_times(partner),
    }


def asset_group_present(group: AssetGroup) -> dict[str, Any]:
    """A location; expects network and site_partners loaded with it."""
    return {
        "id": str(group.pk),
        "name": group.name,
        "network": _ref(group.network),
        "address": {
            "line1": _text(group.address_line1),
            "line2": _text(group.address_line2),
            "city": _text(group.city),
            "postalCode": _text(group.postal_code),
            "state": _text(group.state),
            "country": _text(group.country),
        },
        "latitude": _degrees(group.latitude),
        "longitude": _degrees(group.longitude),
        "timezone": group.timezone,
        "openingHours": group.opening_hours,
        "open24x7": group.open_24x7,
        "sitePartners": [
            {"id": str(p.pk), "name": p.name, "type": p.type} for p in group.site_partners.all()
        ],
        **_times(group),
    }
