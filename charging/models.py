from django.db import models

from assets.models import Asset
from csms.models import TimestampedModel
from tokens.models import IdToken


class SessionStatus(models.TextChoices):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABORTED = "aborted"
    # The station started it but the CSMS refused its token (1.6 idTagInfo, 2.x idTokenInfo not
    # Accepted): kept for the operator, never counted as charging.
    REFUSED = "refused"


class ChargingSession(TimestampedModel):
    """A charging session, built from a station's transaction messages of any OCPP version.

    For OCPP 1.6 the CSMS assigns the transaction id: it is this row's primary key.
    """

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="sessions")
    transaction_id = models.CharField(max_length=36)
    evse_id = models.PositiveIntegerField(null=True, blank=True)
    connector_id = models.PositiveIntegerField(null=True, blank=True)
    id_token = models.CharField(max_length=255, blank=True)
    token = models.ForeignKey(
        IdToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.ACTIVE
    )
    charging_state = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    meter_start_wh = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    meter_stop_wh = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    energy_wh = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    # The latest energy register reading in time order, and its time: the next reading's step
    # counts from it (charging.energy).
    meter_last_wh = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    meter_last_at = models.DateTimeField(null=True, blank=True)
    # The register went backwards between two readings (a reset, a replaced meter, a bad
    # reading): that step counted nothing, and an operator should look.
    meter_anomaly = models.BooleanField(default=False)
    stop_reason = models.CharField(max_length=30, blank=True)
    # Whether the station's own stop (StopTransaction / TransactionEvent Ended) was applied. A
    # session the CSMS closed (aborted, or stale after a reboot) still takes the station's late
    # stop for its meter reading; once the station's stop is in, repeats change nothing.
    station_stopped = models.BooleanField(default=False)
    # The latest station time the session was seen running (start, meter reading, event): the
    # cost of an active session is computed up to it, a stale session is closed at it.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # 2.x chargingState changes as [ISO time, state], sorted by time: the source of idle time.
    charging_states = models.JSONField(default=list, blank=True)

    # The asset's rate when the session started, copied so later edits leave it as it was.
    rate = models.ForeignKey(
        "rates.Rate", null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    currency = models.CharField(max_length=3, blank=True, help_text="Empty: no rate at start.")
    price_per_kwh = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    flat_fee = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    idle_fee_per_minute = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True
    )
    cost_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # When the station was last told the running cost, and told the final cost (CSMS clock):
    # the running cost goes at most every SESSION_COST_UPDATE_SECONDS, the final cost once
    # (charging.cost_to_station).
    cost_told_at = models.DateTimeField(null=True, blank=True)
    final_cost_told_at = models.DateTimeField(null=True, blank=True)
    # The idTagInfo status a 1.6 station was answered at start: a repeated StartTransaction is
    # answered it again, whatever the token's state when the repeat arrives.
    start_status = models.CharField(max_length=20, blank=True)
    remote_start_id = models.IntegerField(null=True, blank=True)
    reservation_id = models.IntegerField(null=True, blank=True)
    last_seq_no = models.IntegerField(null=True, blank=True)
    # 2.x TransactionEvent seqNos already applied, so a retried event is not applied twice.
    seen_seq_nos = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("asset", "transaction_id"), name="unique_transaction_per_asset"
            )
        ]
        indexes = [
            models.Index(fields=("asset", "status")),
            # The beat's search for cards active in two places (charging.concurrent_use)
            # reads only the active sessions.
            models.Index(
                fields=("token",),
                condition=models.Q(status="active"),
                name="session_active_token",
            ),
            # GET /sessions pages in this order (tests/test_page_plans.py).
            models.Index(fields=("created_at", "id"), name="session_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}/{self.transaction_id}"

    @property
    def has_rate(self) -> bool:
        return bool(self.currency)


class MeterSample(models.Model):
    """One sampled value of a MeterValues or TransactionEvent message."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="meter_samples")
    session = models.ForeignKey(
        ChargingSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meter_samples",
    )
    evse_id = models.PositiveIntegerField(null=True, blank=True)
    sampled_at = models.DateTimeField()
    measurand = models.CharField(max_length=60, default="Energy.Active.Import.Register")
    value = models.DecimalField(max_digits=20, decimal_places=6)
    unit = models.CharField(max_length=20, blank=True)
    phase = models.CharField(max_length=10, blank=True)
    context = models.CharField(max_length=30, blank=True)
    location = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ("sampled_at", "id")
        indexes = [
            models.Index(fields=("asset", "sampled_at")),
            # Pruning walks old samples by time (retention/services.meter_samples_prune).
            models.Index(fields=("sampled_at",), name="meter_sample_time_idx"),
        ]
