"""OpenAPI descriptions of the asset-management API's answers. Documentation only: the views
build these shapes in assets.presenters."""

from rest_framework import serializers

from networks.models import ConcurrentCardUse

Shape = type[serializers.Serializer]


def shape(name: str, fields: dict[str, serializers.Field], *, doc: str | None = None) -> Shape:
    """A serializer class named `name` (its OpenAPI component name) with `fields` and the
    docstring `doc` (the component's description); the contract's camelCase names are dictionary
    keys here, not Python attributes."""
    return type(name, (serializers.Serializer,), {**fields, "__module__": __name__, "__doc__": doc})


def envelope(item: Shape) -> Shape:
    """`{"data": item}`. A list's page is generated from `item(many=True)` by
    api.pagination.EnvelopePagination."""
    return shape(f"{item.__name__}Envelope", {"data": item()})


def _texts(*names: str) -> dict[str, serializers.Field]:
    return {name: serializers.CharField(allow_null=True) for name in names}


def _times() -> dict[str, serializers.Field]:
    return {"createdAt": serializers.DateTimeField(), "updatedAt": serializers.DateTimeField()}


Reference = shape("Reference", {"id": serializers.UUIDField(), "name": serializers.CharField()})

Network = shape(
    "Network",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "description": serializers.CharField(),
        "concurrentCardUse": serializers.ChoiceField(
            choices=ConcurrentCardUse.values,
            help_text="A start with a token charging elsewhere: refused (ConcurrentTx) or allowed",
        ),
        **_times(),
    },
)

Asset = shape(
    "Asset",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "ocppIdentity": serializers.CharField(),
        "network": Reference(),
        "assetGroup": Reference(allow_null=True),
        "protocol": serializers.CharField(allow_null=True),
        "securityProfile": serializers.IntegerField(),
        "registrationStatus": serializers.CharField(),
        "heartbeatInterval": serializers.IntegerField(allow_null=True),
        "online": serializers.BooleanField(),
        "lastSeen": serializers.DateTimeField(allow_null=True),
        "connectedAt": serializers.DateTimeField(allow_null=True),
        "manufacturing": shape(
            "Manufacturing",
            _texts(
                "chargingStationMake",
                "chargingStationModel",
                "serialNumber",
                "chargeBoxSerialNumber",
                "firmwareVersion",
                "iccid",
                "imsi",
                "meterType",
                "meterSerialNumber",
            ),
        )(help_text="From the station's last BootNotification"),
        "connectors": shape(
            "AssetConnector",
            {
                "evseId": serializers.IntegerField(),
                "connectorId": serializers.IntegerField(),
                **_texts("status", "errorCode", "type"),
                "maxAmperage": serializers.IntegerField(allow_null=True),
                "maxVoltage": serializers.IntegerField(allow_null=True),
                "statusUpdatedAt": serializers.DateTimeField(allow_null=True),
            },
        )(many=True),
        "rate": shape(
            "AssetRate",
            {
                "id": serializers.UUIDField(),
                "name": serializers.CharField(),
                "currency": serializers.CharField(),
                **_texts("pricePerKwh", "pricePerHour", "flatFee", "idleFeePerMinute"),
            },
        )(allow_null=True, help_text="Prices are decimal strings"),
        **_times(),
    },
)

SitePartnerReference = shape(
    "SitePartnerReference",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "type": serializers.CharField(),
    },
)

SitePartner = shape(
    "SitePartner",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "type": serializers.CharField(help_text="siteHost / utility / reportingAgency"),
        "network": Reference(allow_null=True, help_text="null: shared by every network"),
        **_texts("contactEmail", "contactPhone"),
        **_times(),
    },
)

AssetGroup = shape(
    "AssetGroup",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "network": Reference(),
        "address": shape(
            "Address", _texts("line1", "line2", "city", "postalCode", "state", "country")
        )(),
        "latitude": serializers.FloatField(allow_null=True),
        "longitude": serializers.FloatField(allow_null=True),
        "timezone": serializers.CharField(),
        "openingHours": shape(
            "OpeningHours",
            {
                "dayOfWeek": serializers.IntegerField(help_text="0 = Sunday ... 6 = Saturday"),
                "open": serializers.CharField(),
                "close": serializers.CharField(),
            },
        )(many=True),
        "open24x7": serializers.BooleanField(),
        "sitePartners": SitePartnerReference(many=True),
        **_times(),
    },
)

AssetEnvelope = envelope(Asset)
AssetGroupEnvelope = envelope(AssetGroup)
SitePartnerEnvelope = envelope(SitePartner)
NetworkEnvelope = envelope(Network)
