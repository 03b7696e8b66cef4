import uuid
from typing import Any

from django.db import models

from assets.models import Asset, AssetGroup
from csms.models import TimestampedModel
from ocpp_bridge.models import CallState, OcppCall

# The voltage between a phase and neutral that turns watts into amperes where nothing says
# otherwise (EU low voltage).
DEFAULT_PHASE_VOLTAGE = 230
# A limit's outcome while the station has not answered its call yet.
PENDING_OUTCOMES = frozenset({"not_sent", "queued", "sent"})
# Written by smart_charging.rebalance_lease only (Panel.save).
LEASE_FIELDS = frozenset({"rebalance_lease_until", "rebalance_pending"})


class Purpose(models.TextChoices):
    """What a limit applies to, by the 2.x names; 1.6's ChargePointMaxProfile is STATION_MAX."""

    STATION_MAX = "station_max"
    TX_DEFAULT = "tx_default"
    TX = "tx"


class LimitSource(models.TextChoices):
    OPERATOR = "operator"
    LOAD_MANAGER = "load_manager"
    FALLBACK = "fallback"  # the panel station's fallback, installed as its TxDefault


class Recurrency(models.TextChoices):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class ChargingLimit(TimestampedModel):
    """The limit a station, an EVSE (evse_id > 0) or one transaction should have, and the
    call that last sent it. What the station holds follows from that call's outcome
    (`committed_amps`): the row is the truth the CSMS re-sends after a reboot.

    An operator's station maximum or TxDefault may be a schedule (`periods`, optionally
    recurring): then `limit_amps` is its peak, the most it allows in any period
    (smart_charging.schedules), which is what the load manager counts it at."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="charging_limits")
    evse_id = models.PositiveIntegerField(default=0, help_text="0: the whole station.")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    transaction_id = models.CharField(max_length=36, blank=True)
    # Amperes per phase: the unit panels are planned in. Sent in W to stations that take
    # only watts (smart_charging.station_limits). A schedule's peak.
    limit_amps = models.FloatField()
    periods = models.JSONField(
        default=list, blank=True,
        help_text='A schedule: [{"startPeriod": seconds, "limitAmps": A}, ...] from 0; '
        "empty: limit_amps from the start.",
    )  # fmt: skip
    recurrency = models.CharField(
        max_length=6, choices=Recurrency.choices, blank=True,
        help_text="The periods repeat every day or week from schedule_start.",
    )  # fmt: skip
    schedule_start = models.DateTimeField(
        null=True, blank=True, help_text="When the periods count from (a recurrence's origin)."
    )
    number_phases = models.PositiveSmallIntegerField(default=3)
    stack_level = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=12, choices=LimitSource.choices)
    # What the station held before `call` (if it fails or is refused, it still holds that).
    prior_amps = models.FloatField(null=True, blank=True)
    call = models.ForeignKey(
        OcppCall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the load manager when the car's draw set this limit (A per phase it was taken to
    # want, smart_charging.car_draw); None: the car was given its share.
    car_wants_amps = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("asset", "evse_id", "purpose")
        constraints = [
            models.UniqueConstraint(
                fields=("asset", "evse_id", "purpose", "transaction_id"),
                name="unique_charging_limit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}/{self.evse_id}/{self.purpose}: {self.limit_amps} A"

    @property
    def profile_id(self) -> int:
        """The chargingProfileId on the station: stable for the row, so a new value
        replaces the station's profile instead of stacking beside it."""
        return int(self.pk)

    @property
    def outcome(self) -> str:
        """What became of the latest sending: not_sent, queued, sent, Accepted, Rejected (the
        station's status), or the call's final state (error, timed_out, failed...)."""
        call: OcppCall | None = self.call
        if call is None:
            return "not_sent"
        if call.state == CallState.ANSWERED:
            return str((call.response_payload or {}).get("status", "answered"))
        return str(call.state)

    @property
    def status(self) -> str:
        """The outcome in the station page's words: accepted, rejected, pending (not sent yet,
        or its answer awaited) or failed (an error, no answer, the station gone)."""
        outcome = self.outcome
        if outcome in ("Accepted", "Rejected"):
            return outcome.lower()
        if outcome in PENDING_OUTCOMES:
            return "pending"
        return "failed"

    @property
    def committed_amps(self) -> float | None:
        """The most the station may hold: the new value once accepted, the higher of old and
        new while the answer is awaited, the old one if it was refused or never arrived."""
        prior = self.prior_amps
        outcome = self.outcome
        if outcome == "Accepted":
            return self.limit_amps
        if outcome in ("queued", "sent"):
            return self.limit_amps if prior is None else max(prior, self.limit_amps)
        return prior


class CapacityUnit(models.TextChoices):
    AMPERES = "A"  # per phase
    WATTS = "W"  # in total, shared evenly over the panel's phases


class Panel(TimestampedModel):
    """An electrical panel at a site (asset group), whose capacity the load manager shares
    among the sessions of the stations attached to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset_group = models.ForeignKey(AssetGroup, on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(max_length=120)
    capacity = models.FloatField()
    capacity_unit = models.CharField(
        max_length=1, choices=CapacityUnit.choices, default=CapacityUnit.AMPERES
    )
    phases = models.PositiveSmallIntegerField(default=3)
    voltage = models.PositiveSmallIntegerField(default=DEFAULT_PHASE_VOLTAGE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A lease on re-balancing: one re-balance of a panel at a time, in any process.
    rebalance_lease_until = models.DateTimeField(null=True, blank=True)
    rebalance_pending = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a panel never writes the re-balance lease: smart_charging.rebalance_lease
        alone does, by UPDATE. A panel read while a re-balance held the lease and saved after
        it ended (an operator's capacity change) wrote the released lease back, and no
        re-balance could run until it expired."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in LEASE_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def amps_per_phase(self) -> float:
        if self.capacity_unit == CapacityUnit.WATTS:
            return self.capacity / (self.voltage * self.phases)
        return self.capacity


class PhaseWiring(models.TextChoices):
    THREE_PHASE = "L1L2L3"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class PanelStation(TimestampedModel):
    """A station attached to a panel: which phases it draws from, its own maximum, its
    priority, and the fallback it holds when it cannot hear the CSMS."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="stations")
    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="panel_station")
    phase_wiring = models.CharField(
        max_length=6, choices=PhaseWiring.choices, default=PhaseWiring.THREE_PHASE
    )
    max_amps = models.FloatField(default=32.0, help_text="Per phase, per EVSE.")
    priority = models.SmallIntegerField(default=0, help_text="Higher is admitted first.")
    fallback_amps = models.FloatField(
        default=0.0, help_text="Per phase: its TxDefault, what it may draw unheard."
    )

    def __str__(self) -> str:
        return f"{self.asset_id} on {self.panel_id}"

    @property
    def phases(self) -> frozenset[str]:
        wiring: Any = self.phase_wiring
        return frozenset(str(wiring)[i : i + 2] for i in range(0, len(str(wiring)), 2))


class EvChargingNeeds(TimestampedModel):
    """What an ISO 15118 car said it needs (NotifyEVChargingNeeds, 2.0.1 K15 / 2.1) for its
    session: its most current bounds its share of a panel."""

    session = models.OneToOneField(
        "charging.ChargingSession", on_delete=models.CASCADE, related_name="ev_charging_needs"
    )
    requested_energy_transfer = models.CharField(max_length=30)
    ev_max_amps = models.FloatField(null=True, blank=True, help_text="AC, per phase.")
    ev_min_amps = models.FloatField(null=True, blank=True)
    energy_amount_wh = models.FloatField(null=True, blank=True)
    departure_time = models.DateTimeField(null=True, blank=True)
    needs = models.JSONField(default=dict, help_text="As the station sent them.")

    def __str__(self) -> str:
        return f"{self.session_id}: {self.requested_energy_transfer}"


class PanelSnapshot(models.Model):
    """A panel after a re-balance: what its sessions were given on its busiest phase, against
    its capacity (the panel page's chart)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(auto_now_add=True)
    capacity_amps = models.FloatField()
    allocated_amps = models.FloatField()
    sessions = models.PositiveIntegerField()

    class Meta:
        ordering = ("-taken_at",)
        indexes = [models.Index(fields=("panel", "-taken_at"))]


class ChargingProfilesRequest(TimestampedModel):
    """A GetChargingProfiles the CSMS sent (2.0.1 / 2.1): its pk is the requestId the
    station's ReportChargingProfiles frames carry back, `complete` once the last (tbc false)
    arrived; `reply_channel` wakes the request waiting for them (ocpp_bridge.calls.waiting)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    evse_id = models.PositiveIntegerField(null=True, blank=True, help_text="None: every EVSE.")
    reply_channel = models.CharField(max_length=100, blank=True)
    complete = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"GetChargingProfiles {self.pk} to {self.asset_id}"


class ReportedChargingProfile(models.Model):
    """One profile a station reported holding in answer to a ChargingProfilesRequest."""

    request = models.ForeignKey(
        ChargingProfilesRequest, on_delete=models.CASCADE, related_name="profiles"
    )
    evse_id = models.PositiveIntegerField()
    charging_limit_source = models.CharField(max_length=20)  # CSO, EMS, SO, Other
    profile = models.JSONField(help_text="As the station sent it.")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.request_id}: {self.profile.get('id')} on EVSE {self.evse_id}"
