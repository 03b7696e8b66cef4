import uuid

from django.conf import settings
from django.db import models

from assets.models import Asset


class ChargerConnection(models.Model):
    """One WebSocket connection of a station, from handshake to close."""

    class CloseReason(models.TextChoices):
        DISCONNECTED = "disconnected"
        REPLACED = "replaced", "replaced by a newer connection"
        SERVER_SHUTDOWN = "server_shutdown", "server process shut down"
        SERVER_LOST = "server_lost", "server process died"

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
        # Connection history is pruned by when it closed (ocpp_bridge/retention.py).
        indexes = [models.Index(fields=("closed_at",), name="ocpp_connection_closed_idx")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.protocol} {self.id}"


class Direction(models.TextChoices):
    IN = "in", "station → CSMS"
    OUT = "out", "CSMS → station"


class OcppFrame(models.Model):
    """Every frame in either direction, so an operator can read a station's conversation.

    Stored once: `payload` (what the UI, the console, webhooks and the API read) for every
    frame that parsed, `raw` only for one that did not. On PostgreSQL the table is partitioned
    by day on `created_at` (migration 0006; ocpp_bridge/frame_partitions.py creates and drops
    the partitions): its primary key there is (id, created_at), and ids stay unique through
    their one sequence."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by ocpp_frame_asset_time_idx, whose first column it is: one index less to write.
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, related_name="frames", db_index=False
    )
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
    # An answer to one of our calls that broke its action's response schema: what the schema
    # said ({errorCode, message, field}); the payload is kept as the station sent it.
    invalid_response = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            # A station's conversation, newest first: read from the newest partition back.
            models.Index(fields=("asset", "-created_at"), name="ocpp_frame_asset_time_idx"),
            # The admin's searches by message id and by action (ocpp_bridge/admin_lists.py).
            models.Index(fields=("message_id",), name="ocpp_frame_message_id_idx"),
            models.Index(fields=("action", "-created_at"), name="ocpp_frame_action_time_idx"),
        ]


class CallState(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    ANSWERED = "answered"
    ERROR = "error"
    TIMED_OUT = "timed_out"
    FAILED = "failed"
    # Answered with a CALLRESULT outside the action's official response schema.
    INVALID_RESPONSE = "invalid_response"


FINAL_CALL_STATES = frozenset(
    {
        CallState.ANSWERED,
        CallState.ERROR,
        CallState.TIMED_OUT,
        CallState.FAILED,
        CallState.INVALID_RESPONSE,
    }
)


class OcppCall(models.Model):
    """A CSMS-initiated CALL to a station. Its state only moves forward:
    queued → sent → answered / invalid_response / error / timed_out, or → failed from queued
    or sent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="calls")
    connection = models.ForeignKey(
        ChargerConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    protocol = models.CharField(max_length=16)
    message_id = models.CharField(max_length=36)
    action = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=CallState.choices, default=CallState.QUEUED)
    is_async = models.BooleanField(default=True)
    source = models.CharField(max_length=20, default="api")
    requested_by = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ocpp_calls",
    )
    timeout_seconds = models.FloatField(default=30.0)
    response_payload = models.JSONField(null=True, blank=True)
    # The station's CALLERROR; for invalid_response, the CSMS's verdict on its CALLRESULT (the
    # code a 2.1 CALLRESULTERROR carries, the schema's message, {field, keyword}).
    error_code = models.CharField(max_length=50, blank=True)
    error_description = models.TextField(blank=True)
    error_details = models.JSONField(null=True, blank=True)
    failure_reason = models.CharField(max_length=40, blank=True)
    # A channel a synchronous HTTP request waits on for the final state.
    reply_channel = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # Message ids are never reused for a station.
            models.UniqueConstraint(fields=("asset", "message_id"), name="unique_call_message_id"),
            # The OCPP rule, kept by the database across all processes: at most one
            # CSMS-initiated call outstanding per station.
            models.UniqueConstraint(
                fields=("asset",),
                condition=models.Q(state="sent"),
                name="one_outstanding_call_per_station",
            ),
        ]
        indexes = [
            models.Index(fields=("asset", "state", "created_at")),
            models.Index(fields=("state", "deadline_at")),
            models.Index(fields=("message_id",)),
            # The admin's newest-first list and the pruning of old calls.
            models.Index(fields=("created_at",), name="ocpp_call_created_idx"),
            # The admin's search by action.
            models.Index(fields=("action", "-created_at"), name="ocpp_call_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.message_id} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_CALL_STATES


class ServerProcess(models.Model):
    """A live daphne process holding station sockets; its heartbeat vouches for the online
    state of its connections. A process that stops beating is swept by any other. (Celery
    beat's sweep beats here too, as a process holding no sockets, to judge as they do.)"""

    name = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_beat_at = models.DateTimeField()
    # Set by the process itself from its own beat interval: others judge it by its pace.
    dead_after = models.DurationField()
    # Since when it has beaten without a gap. A process that could not reach the database saw
    # nothing either: it judges others' silence only from this moment on.
    beating_since = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
