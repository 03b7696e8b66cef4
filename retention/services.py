"""What each kind of data keeps, and the pruning of what is past it (settings, README
"Retention"). Each prune takes `now` and returns what it removed; each deletes in bounded
batches of short transactions (retention/batches.py) or, for the frame log on PostgreSQL,
drops whole day partitions."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import clear_expired

from assets.models import Asset, ConnectorAvailabilityDay, ConnectorStatusChange
from charging.models import MeterSample, SessionStatus
from ocpp_bridge.frame_partitions import (
    BeforeDrop,
    frame_default_partition_prune,
    frame_partitions_create_ahead,
    frame_partitions_drop_expired,
    frames_partitioned,
)
from ocpp_bridge.models import FINAL_CALL_STATES, ChargerConnection, OcppCall, OcppFrame
from retention.batches import delete_in_batches


def _cutoff(now: datetime | None, days: int) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def frame_partitions_rotate(
    *, now: datetime | None = None, before_drop: BeforeDrop | None = None
) -> tuple[list[str], list[str]]:
    """PostgreSQL: create the coming days' partitions of the frame log and drop the expired
    ones whole (FRAME_RETENTION_DAYS); the names (created, dropped). Elsewhere nothing."""
    if not frames_partitioned():
        return [], []
    today = (now or timezone.now()).date()
    created = frame_partitions_create_ahead(
        today=today, days_ahead=settings.FRAME_PARTITIONS_AHEAD_DAYS
    )
    cutoff = _cutoff(now, settings.FRAME_RETENTION_DAYS)
    return created, frame_partitions_drop_expired(cutoff=cutoff, before_drop=before_drop)


def frames_prune(*, now: datetime | None = None) -> int:
    """Frames older than FRAME_RETENTION_DAYS deleted row by row in batches: on a plain table
    (SQLite) all of them; on PostgreSQL only what sits in the default partition, for day
    partitions go whole (frame_partitions_rotate, archived first when enabled) and so does
    the one from before the migration, once all of it is past retention."""
    cutoff = _cutoff(now, settings.FRAME_RETENTION_DAYS)
    if frames_partitioned():
        return frame_default_partition_prune(
            cutoff=cutoff,
            batch_size=settings.RETENTION_BATCH_SIZE,
            max_batches=settings.RETENTION_MAX_BATCHES,
        )
    return delete_in_batches(OcppFrame.objects.filter(created_at__lt=cutoff))


def calls_prune(*, now: datetime | None = None) -> int:
    """Finished CSMS-initiated calls created before CALL_RETENTION_DAYS; a call still queued
    or sent is kept whatever its age."""
    cutoff = _cutoff(now, settings.CALL_RETENTION_DAYS)
    return delete_in_batches(
        OcppCall.objects.filter(created_at__lt=cutoff, state__in=FINAL_CALL_STATES)
    )


def connections_prune(*, now: datetime | None = None) -> int:
    """Connections closed before CONNECTION_RETENTION_DAYS; never a station's current one."""
    cutoff = _cutoff(now, settings.CONNECTION_RETENTION_DAYS)
    current = Asset.objects.filter(current_connection__isnull=False).values("current_connection")
    return delete_in_batches(
        ChargerConnection.objects.filter(closed_at__lt=cutoff).exclude(pk__in=current)
    )


def meter_samples_prune(*, now: datetime | None = None) -> int:
    """Meter samples once their session no longer needs them: the session ended more than
    METER_SAMPLE_RETENTION_DAYS ago (its energy and cost are on the session row), or the
    sample belongs to no session and is that old. An active session keeps all of its own."""
    cutoff = _cutoff(now, settings.METER_SAMPLE_RETENTION_DAYS)
    ended = Q(session__stopped_at__lt=cutoff) & ~Q(session__status=SessionStatus.ACTIVE)
    old = MeterSample.objects.filter(sampled_at__lt=cutoff)  # on its index, then the session
    return delete_in_batches(old.filter(Q(session__isnull=True) | ended))


def status_changes_prune(*, now: datetime | None = None) -> int:
    """Connector status changes older than STATUS_HISTORY_RETENTION_DAYS: availability is
    computed from them (and from connections), so keep both for the longest period an operator
    reports on."""
    cutoff = _cutoff(now, settings.STATUS_HISTORY_RETENTION_DAYS)
    return delete_in_batches(ConnectorStatusChange.objects.filter(at__lt=cutoff))


def availability_days_prune(*, now: datetime | None = None) -> int:
    """Availability rolled up per connector and day, kept as long as the history it sums."""
    cutoff = _cutoff(now, settings.STATUS_HISTORY_RETENTION_DAYS).date()
    return delete_in_batches(ConnectorAvailabilityDay.objects.filter(day__lt=cutoff))


def oauth_tokens_prune() -> None:
    """Expired OAuth tokens (django-oauth-toolkit's `cleartokens`, batched by its
    CLEAR_EXPIRED_TOKENS_BATCH_SIZE)."""
    clear_expired()
