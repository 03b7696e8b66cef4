"""Connector status history and the outages an operator plans: the ground of availability
(assets.availability). Imported by assets.models, so Django finds them as the app's models."""

from django.db import models

from csms.models import TimestampedModel


class ConnectorStatusChange(models.Model):
    """A connector's status or error code changed, at the time the station reported it.

    Keyed by the station and the connector's numbers (as the charger path knows them) rather
    than the Connector row: the charger path writes it without reading that row's id."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.CASCADE, related_name="status_changes"
    )
    evse_id = models.PositiveIntegerField()
    connector_id = models.PositiveIntegerField()
    status = models.CharField(max_length=30)
    error_code = models.CharField(max_length=50, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
        indexes = [
            models.Index(fields=("asset", "evse_id", "connector_id", "at")),
            models.Index(fields=("at",)),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.evse_id}/{self.connector_id} {self.status} at {self.at}"


class PlannedOutage(TimestampedModel):
    """Time an operator planned a station (or one EVSE of it) to be down: maintenance, works.
    Availability leaves it out, as public-funding uptime rules do."""

    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.CASCADE, related_name="planned_outages"
    )
    evse_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: every EVSE of the station."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-starts_at",)
        indexes = [models.Index(fields=("asset", "starts_at"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="planned_outage_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class ConnectorAvailabilityDay(models.Model):
    """A connector's availability over one UTC day, computed once the day is over
    (assets.availability_days): 30 days of a fleet's availability are 30 rows per connector
    instead of every status change. Keyed like ConnectorStatusChange."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.CASCADE, related_name="availability_days"
    )
    evse_id = models.PositiveIntegerField()
    connector_id = models.PositiveIntegerField()
    day = models.DateField()
    up_seconds = models.FloatField()
    known_seconds = models.FloatField()
    planned_seconds = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("asset", "evse_id", "connector_id", "day"),
                name="availability_day_per_connector",
            )
        ]
        indexes = [models.Index(fields=("day",))]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.evse_id}/{self.connector_id} {self.day}"
