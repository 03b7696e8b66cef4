import uuid

from django.db import models

from assets.models import Asset


class ChargerConnection(models.Model):
    """One WebSocket connection of a station, from handshake to close."""

    class CloseReason(models.TextChoices):
        DISCONNECTED = "disconnected"
        REPLACED = "replaced", "replaced by a newer connection"
        SERVER_LOST = "server_lost", "server process stopped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="connections")
    protocol = models.CharField(max_length=16)
    channel_name = models.CharField(max_length=200)
    server_instance = models.CharField(max_length=100, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_code = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-opened_at",)

    def __str__(self) -> str:
        return f"{self.asset_id} {self.protocol} {self.id}"


class Direction(models.TextChoices):
    IN = "in", "station → CSMS"
    OUT = "out", "CSMS → station"


class OcppFrame(models.Model):
    """Every frame in either direction, so an operator can read a station's conversation."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="frames")
    connection = models.ForeignKey(
        ChargerConnection, null=True, on_delete=models.SET_NULL, related_name="frames"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_type = models.PositiveSmallIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(null=True, blank=True)
    # The text as received, kept only when it could not be parsed into a frame.
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=("asset", "-id"))]
