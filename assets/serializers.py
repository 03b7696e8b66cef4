"""What the asset-management API accepts (request bodies and list filters). Field names are the
contract's camelCase; `source` names the model field each value is for. Responses are built by
assets.presenters and described for OpenAPI in assets.apis.schemas."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from assets.models import (
    CLOSING_TIME,
    OPENING_TIME,
    Protocol,
    RegistrationStatus,
    SecurityProfile,
    validate_timezone,
)
from assets.serializer_fields import (
    CommaSeparatedUuidsField,
    CoordinateField,
    DayOfWeekField,
    SitePartnerTypeField,
)
from networks.models import ConcurrentCardUse

# Integer columns are 32-bit on PostgreSQL: larger values would fail in the database, not here.
INT_MAX = 2**31 - 1
# OCPP's identifierString without ':', which HTTP Basic auth forbids in the user name.
OCPP_IDENTITY = r"^[A-Za-z0-9*\-_=+|@.]{1,48}$"


# --- Assets ---------------------------------------------------------------------------------


class AssetFilterSerializer(serializers.Serializer):
    chargingStationMake = serializers.CharField(
        source="vendor", required=False, help_text="Vendor from BootNotification (any case)"
    )
    chargingStationModel = serializers.CharField(source="model", required=False)
    firmwareVersion = serializers.CharField(source="firmware_version", required=False)
    assetGroups = CommaSeparatedUuidsField(
        source="asset_group_ids", required=False, help_text="Comma-separated asset group ids"
    )
    networkId = serializers.UUIDField(source="network_id", required=False)
    online = serializers.BooleanField(required=False)


class ConnectorSerializer(serializers.Serializer):
    evseId = serializers.IntegerField(source="evse_id", min_value=1, max_value=INT_MAX)
    connectorId = serializers.IntegerField(
        source="connector_id", min_value=1, max_value=INT_MAX, default=1
    )
    type = serializers.CharField(
        source="connector_type",
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="e.g. an OCPP ConnectorEnumType: cType2, cCCS1, cCCS2, cG105, cTesla, sType2",
    )
    maxAmperage = serializers.IntegerField(
        source="max_amperage", min_value=1, max_value=INT_MAX, required=False, allow_null=True
    )
    maxVoltage = serializers.IntegerField(
        source="max_voltage", min_value=1, max_value=INT_MAX, required=False, allow_null=True
    )


class AssetFieldsSerializer(serializers.Serializer):
    """What create and update both accept, all optional."""

    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    assetGroupId = serializers.CharField(source="asset_group", required=False, allow_null=True)
    password = serializers.CharField(
        min_length=16,
        max_length=40,
        required=False,
        allow_null=True,
        trim_whitespace=False,
        write_only=True,
        help_text="HTTP Basic auth password of the station (16-40 characters); stored hashed, "
        "never returned. null removes it.",
    )
    protocol = serializers.ChoiceField(Protocol.choices, required=False, allow_blank=True)
    securityProfile = serializers.ChoiceField(
        SecurityProfile.choices, source="security_profile", required=False
    )
    rateId = serializers.CharField(source="rate", required=False, allow_null=True)
    heartbeatInterval = serializers.IntegerField(
        source="heartbeat_interval",
        min_value=1,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="Seconds; null for the system default",
    )
    registrationStatus = serializers.ChoiceField(
        RegistrationStatus.choices, source="registration_status", required=False
    )
    connectors = ConnectorSerializer(
        many=True,
        required=False,
        help_text="Created, or updated by (evseId, connectorId); connectors not listed are kept",
    )

    def validate_connectors(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [(c["evse_id"], c["connector_id"]) for c in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("Each (evseId, connectorId) may appear once.")
        return value


class AssetCreateSerializer(AssetFieldsSerializer):
    ocppIdentity = serializers.RegexField(
        OCPP_IDENTITY,
        source="identity",
        help_text="The identity the station connects with (1-48 of A-Z a-z 0-9 * - _ = + | @ .)",
    )
    networkId = serializers.CharField(source="network")


class AssetUpdateSerializer(AssetFieldsSerializer):
    networkId = serializers.CharField(source="network", required=False)


# --- Asset groups ---------------------------------------------------------------------------


def _text(max_length: int, source: str | None = None) -> serializers.CharField:
    """An optional text; `source` when the model field is named differently."""
    extra: dict[str, Any] = {"source": source} if source else {}
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **extra)


class AddressSerializer(serializers.Serializer):
    line1 = _text(120, "address_line1")
    line2 = _text(120, "address_line2")
    city = _text(80)
    postalCode = _text(20, "postal_code")
    state = _text(80)
    country = _text(60)


class OpeningHoursSerializer(serializers.Serializer):
    dayOfWeek = DayOfWeekField(help_text="0-6 (0 = Sunday) or an English day name")
    open = serializers.RegexField(OPENING_TIME.pattern, help_text="HH:MM, local time")
    close = serializers.RegexField(
        CLOSING_TIME.pattern, help_text="HH:MM (24:00 = midnight); before open: past midnight"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["open"] == attrs["close"]:
            raise serializers.ValidationError("open and close must differ.")
        return attrs


class AssetGroupFilterSerializer(serializers.Serializer):
    networkId = serializers.UUIDField(source="network_id", required=False)


class AssetGroupFieldsSerializer(serializers.Serializer):
    """What create and update both accept, all optional."""

    name = serializers.CharField(max_length=120, required=False)
    address = AddressSerializer(required=False)
    latitude = CoordinateField(90, required=False, allow_null=True)
    longitude = CoordinateField(180, required=False, allow_null=True)
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="IANA time zone, e.g. Europe/Paris (default UTC)",
    )
    openingHours = OpeningHoursSerializer(
        source="opening_hours",
        many=True,
        required=False,
        help_text="Replaces the stored hours; any hours end open24x7",
    )
    open24x7 = serializers.BooleanField(
        source="open_24x7", required=False, help_text="true clears openingHours"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("open_24x7") and attrs.get("opening_hours"):
            raise serializers.ValidationError(
                {"openingHours": "A location open 24x7 has no opening hours."}
            )
        # The address is stored in columns of the group: hand it over flat.
        attrs.update(attrs.pop("address", {}))
        return attrs


class AssetGroupCreateSerializer(AssetGroupFieldsSerializer):
    name = serializers.CharField(max_length=120)
    networkId = serializers.CharField(source="network")


class AddSitePartnersSerializer(serializers.Serializer):
    sitePartnerIds = serializers.ListField(
        child=serializers.CharField(), min_length=1, max_length=100
    )


# --- Site partners --------------------------------------------------------------------------


class SitePartnerFilterSerializer(serializers.Serializer):
    networkId = serializers.UUIDField(
        source="network_id", required=False, help_text="Its own partners and the shared ones"
    )
    type = SitePartnerTypeField(source="partner_type", required=False)


class SitePartnerFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    type = SitePartnerTypeField(required=False)
    contactEmail = serializers.EmailField(source="contact_email", required=False, allow_blank=True)
    contactPhone = _text(32, "contact_phone")


class SitePartnerCreateSerializer(SitePartnerFieldsSerializer):
    name = serializers.CharField(max_length=120)
    type = SitePartnerTypeField()
    networkId = serializers.CharField(
        source="network",
        required=False,
        allow_null=True,
        help_text="Omit (or null) for a partner shared by every network",
    )


# --- Networks -------------------------------------------------------------------------------


class NetworkCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    concurrentCardUse = serializers.ChoiceField(
        choices=ConcurrentCardUse.values, required=False, source="concurrent_card_use"
    )


class NetworkUpdateSerializer(NetworkCreateSerializer):
    name = serializers.CharField(max_length=120, required=False)


# --- Asset statuses -------------------------------------------------------------------------

STATUS_PERIOD_DEFAULT = timedelta(days=30)
STATUS_PERIOD_MAX = timedelta(days=366)


class AssetStatusFilterSerializer(serializers.Serializer):
    # Query names `from` and `to` are Python keywords: declared in the field dict below.
    assetId = serializers.CharField(
        source="asset_id", required=False, max_length=48, help_text="Its id or OCPP identity"
    )
    networkId = serializers.UUIDField(source="network_id", required=False)
    assetGroupId = serializers.UUIDField(source="asset_group_id", required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.pop("to", None) or timezone.now()
        start = attrs.pop("from", None) or end - STATUS_PERIOD_DEFAULT
        if start >= end:
            raise serializers.ValidationError({"from": "from must be before to."})
        if end - start > STATUS_PERIOD_MAX:
            raise serializers.ValidationError({"from": "The period is at most 366 days."})
        return {**attrs, "period": (start, end)}


AssetStatusFilterSerializer._declared_fields["from"] = serializers.DateTimeField(
    required=False, help_text="Start of the period (default: 30 days before `to`)"
)
AssetStatusFilterSerializer._declared_fields["to"] = serializers.DateTimeField(
    required=False, help_text="End of the period (default: now); at most 366 days after `from`"
)
