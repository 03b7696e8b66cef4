import re
import uuid
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assets.status_models import (  # noqa: F401 (registered)
    ConnectorAvailabilityDay,
    ConnectorStatusChange,
    PlannedOutage,
)
from csms.models import TimestampedModel
from networks.models import Network

# Sunday first, as in Google Places / JavaScript `getDay()`: 0 = Sunday ... 6 = Saturday.
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# "24:00" may close a day that runs to midnight; it never opens one.
OPENING_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
CLOSING_TIME = re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")

# Files of the tz database that ZoneInfo opens although they name no zone.
NOT_ZONES = ("localtime", "posixrules", "Factory", "posix/", "right/")


def validate_timezone(value: str) -> None:
    """An IANA time zone name known to this system's tz database (e.g. Europe/Paris)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(f"{value!r} is not an IANA time zone.") from None
    if value.startswith(NOT_ZONES):
        raise ValidationError(f"{value!r} is not an IANA time zone.")


def day_of_week(value: object) -> int:
    """0-6 (0 = Sunday) from a number or an English day name; raises ValueError."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise ValueError(f"{value!r} is not a day of the week (0-6, 0 = Sunday, or a day name).")


def validate_opening_hours(value: Any) -> None:
    """A list of {dayOfWeek, open "HH:MM", close "HH:MM"}; close before open runs past midnight."""
    if not isinstance(value, list):
        raise ValidationError("Opening hours are a list.")
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"dayOfWeek", "open", "close"}:
            raise ValidationError("Each opening-hours entry is {dayOfWeek, open, close}.")
        try:
            day_of_week(entry["dayOfWeek"])
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if not OPENING_TIME.match(str(entry["open"])) or not CLOSING_TIME.match(
            str(entry["close"])
        ):
            raise ValidationError("Opening hours are HH:MM (close may be 24:00).")
        if entry["open"] == entry["close"]:
            raise ValidationError("An opening-hours entry must not open and close at once.")


class Protocol(models.TextChoices):
    OCPP16 = "ocpp1.6", "OCPP 1.6"
    OCPP201 = "ocpp2.0.1", "OCPP 2.0.1"
    OCPP21 = "ocpp2.1", "OCPP 2.1"


class SecurityProfile(models.IntegerChoices):
    BASIC_AUTH = 1, "1: HTTP Basic auth"
    TLS_BASIC_AUTH = 2, "2: TLS + HTTP Basic auth"
    TLS_CLIENT_CERT = 3, "3: TLS with client certificate"


class RegistrationStatus(models.TextChoices):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class SitePartner(TimestampedModel):
    """A party with a stake in sites: the host of the site, its utility, a reporting agency."""

    class Type(models.TextChoices):
        SITE_HOST = "siteHost", "Site host"
        UTILITY = "utility", "Utility"
        REPORTING_AGENCY = "reportingAgency", "Reporting agency"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(
        Network,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="site_partners",
        help_text="Empty: shared by every network.",
    )
    name = models.CharField(max_length=120)
    type = models.CharField(max_length=20, choices=Type.choices)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class AssetGroup(TimestampedModel):
    """A location: the site where a network's stations stand, its address and opening hours."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="asset_groups")
    name = models.CharField(max_length=120)
    address_line1 = models.CharField(max_length=120, blank=True)
    address_line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=60, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    opening_hours = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_opening_hours],
        help_text='[{"dayOfWeek": 0-6 (0 = Sunday), "open": "HH:MM", "close": "HH:MM"}]',
    )
    open_24x7 = models.BooleanField(default=False)
    site_partners = models.ManyToManyField(SitePartner, blank=True, related_name="asset_groups")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Asset(TimestampedModel):
    """A charging station, known by its OCPP identity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="assets")
    identity = models.CharField(max_length=48, unique=True)
    name = models.CharField(max_length=120, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)
    security_profile = models.PositiveSmallIntegerField(
        choices=SecurityProfile.choices, default=SecurityProfile.BASIC_AUTH
    )
    protocol = models.CharField(
        max_length=16, choices=Protocol.choices, blank=True, help_text="Protocol in use."
    )
    registration_status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACCEPTED
    )
    rate = models.ForeignKey(
        "rates.Rate", null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    asset_group = models.ForeignKey(
        AssetGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    heartbeat_interval = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds; the system default when empty."
    )

    # What the station told us in its last BootNotification.
    vendor = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    serial_number = models.CharField(max_length=50, blank=True)
    charge_box_serial_number = models.CharField(max_length=50, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True)
    iccid = models.CharField(max_length=20, blank=True)
    imsi = models.CharField(max_length=20, blank=True)
    meter_type = models.CharField(max_length=50, blank=True)
    meter_serial_number = models.CharField(max_length=50, blank=True)
    boot_reason = models.CharField(max_length=40, blank=True)
    last_boot_at = models.DateTimeField(null=True, blank=True)

    # Station-wide state (1.6 connector 0, firmware and log uploads).
    station_status = models.CharField(max_length=30, blank=True)
    firmware_status = models.CharField(max_length=40, blank=True)
    firmware_status_at = models.DateTimeField(null=True, blank=True)
    diagnostics_status = models.CharField(max_length=40, blank=True)
    diagnostics_status_at = models.DateTimeField(null=True, blank=True)

    is_online = models.BooleanField(default=False)
    current_connection = models.ForeignKey(
        "ocpp_bridge.ChargerConnection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("identity",)
        # Seeing a station is not commanding it: the web UI's console and the admin's station
        # actions need this (superusers have it), whatever the staff user may view.
        permissions = [("command_station", "Can send OCPP commands to stations")]
        # The API's asset list pages in this order (tests/test_page_plans.py).
        indexes = [models.Index(fields=("created_at", "id"), name="asset_list_order_idx")]

    def __str__(self) -> str:
        return self.identity


class Connector(models.Model):
    """A connector of an EVSE. OCPP 1.6 connector N is stored as EVSE N, connector 1."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="connectors")
    evse_id = models.PositiveIntegerField()
    connector_id = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=30, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    info = models.CharField(max_length=50, blank=True)
    vendor_error_code = models.CharField(max_length=50, blank=True)
    connector_type = models.CharField(max_length=20, blank=True)
    max_amperage = models.PositiveIntegerField(null=True, blank=True)
    max_voltage = models.PositiveIntegerField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("asset", "evse_id", "connector_id")
        constraints = [
            models.UniqueConstraint(
                fields=("asset", "evse_id", "connector_id"), name="unique_connector_per_evse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} EVSE {self.evse_id} connector {self.connector_id}"


# What identifies a reported variable (its unique constraint; the upsert's conflict target).
STATION_VARIABLE_KEY = (
    "asset",
    "component",
    "component_instance",
    "evse_id",
    "connector_id",
    "variable",
    "variable_instance",
    "attribute_type",
)


class StationVariable(models.Model):
    """A device-model variable reported by NotifyReport (2.x) or GetConfiguration (1.6)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="variables")
    component = models.CharField(max_length=50)
    component_instance = models.CharField(max_length=50, blank=True)
    # 0 when the component is not tied to an EVSE / connector (keeps the unique key NULL-free).
    evse_id = models.PositiveIntegerField(default=0)
    connector_id = models.PositiveIntegerField(default=0)
    variable = models.CharField(max_length=50)
    variable_instance = models.CharField(max_length=50, blank=True)
    attribute_type = models.CharField(max_length=10, default="Actual")
    value = models.TextField(blank=True)
    mutability = models.CharField(max_length=10, blank=True)
    characteristics = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("asset", "component", "variable")
        constraints = [
            models.UniqueConstraint(fields=STATION_VARIABLE_KEY, name="unique_station_variable")
        ]


class StationEvent(models.Model):
    """Something the station reported: a security event or a device-model event (NotifyEvent)."""

    class Kind(models.TextChoices):
        SECURITY = "security"
        DEVICE = "device"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    event_type = models.CharField(max_length=50)
    occurred_at = models.DateTimeField()
    tech_info = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-occurred_at",)
        indexes = [models.Index(fields=("asset", "-occurred_at"))]
