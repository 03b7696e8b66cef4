"""Each kind of data is pruned once past its retention, and only then; in bounded batches."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from api.services import api_client_create
from assets.models import ConnectorStatusChange
from charging.models import ChargingSession, MeterSample, SessionStatus
from ocpp_bridge.frame_partitions import frames_partitioned
from ocpp_bridge.models import CallState, ChargerConnection, OcppCall, OcppFrame
from retention.batches import delete_in_batches
from retention.jobs import retention_run
from retention.services import (
    calls_prune,
    connections_prune,
    frames_prune,
    meter_samples_prune,
    oauth_tokens_prune,
    status_changes_prune,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(days: float):
    return NOW - timedelta(days=days)


def call(station, message_id: str, state: str, age_days: float) -> OcppCall:
    made = OcppCall.objects.create(
        asset=station, protocol="ocpp1.6", message_id=message_id, action="Reset", state=state
    )
    OcppCall.objects.filter(pk=made.pk).update(created_at=days_ago(age_days))
    return made


def test_finished_calls_go_after_their_retention_and_unfinished_ones_stay(make_station) -> None:
    station = make_station()
    days = settings.CALL_RETENTION_DAYS
    old_answered = call(station, "a", CallState.ANSWERED, days + 1)
    old_timed_out = call(station, "b", CallState.TIMED_OUT, days + 1)
    old_queued = call(station, "c", CallState.QUEUED, days + 1)
    recent = call(station, "d", CallState.ANSWERED, days - 1)

    assert calls_prune(now=NOW) == 2

    kept = set(OcppCall.objects.values_list("pk", flat=True))
    assert kept == {old_queued.pk, recent.pk}
    assert not kept & {old_answered.pk, old_timed_out.pk}


def connection(station, *, closed_days_ago: float | None) -> ChargerConnection:
    closed_at = None if closed_days_ago is None else days_ago(closed_days_ago)
    return ChargerConnection.objects.create(
        asset=station, protocol="ocpp1.6", channel_name="x", closed_at=closed_at
    )


def test_closed_connections_go_after_their_retention_but_never_a_current_one(
    make_station,
) -> None:
    station, other = make_station("CP-1"), make_station("CP-2")
    days = settings.CONNECTION_RETENTION_DAYS
    old = connection(station, closed_days_ago=days + 1)
    old_but_current = connection(other, closed_days_ago=days + 1)
    other.current_connection = old_but_current
    other.save(update_fields=["current_connection"])
    recent = connection(station, closed_days_ago=days - 1)
    open_ = connection(station, closed_days_ago=None)

    assert connections_prune(now=NOW) == 1

    kept = set(ChargerConnection.objects.values_list("pk", flat=True))
    assert kept == {old_but_current.pk, recent.pk, open_.pk}
    assert old.pk not in kept


def session(station, transaction_id: str, *, stopped_days_ago: float | None) -> ChargingSession:
    active = stopped_days_ago is None
    return ChargingSession.objects.create(
        asset=station,
        transaction_id=transaction_id,
        status=SessionStatus.ACTIVE if active else SessionStatus.COMPLETED,
        started_at=days_ago(1000),
        stopped_at=None if active else days_ago(stopped_days_ago),
    )


def sample(station, session: ChargingSession | None, age_days: float) -> MeterSample:
    return MeterSample.objects.create(
        asset=station, session=session, sampled_at=days_ago(age_days), value=Decimal(1)
    )


def test_meter_samples_stay_as_long_as_their_session_needs_them(make_station) -> None:
    station = make_station()
    days = settings.METER_SAMPLE_RETENTION_DAYS
    long_ended = session(station, "T1", stopped_days_ago=days + 1)
    lately_ended = session(station, "T2", stopped_days_ago=days - 1)
    running = session(station, "T3", stopped_days_ago=None)
    gone = [sample(station, long_ended, days + 2), sample(station, None, days + 2)]
    kept = [
        sample(station, lately_ended, days + 2),  # its session ended too recently
        sample(station, running, days + 2),  # an active session keeps all its samples
        sample(station, None, days - 1),
    ]

    assert meter_samples_prune(now=NOW) == len(gone)

    assert set(MeterSample.objects.values_list("pk", flat=True)) == {s.pk for s in kept}


def test_frames_older_than_their_retention_are_deleted_row_by_row(make_station) -> None:
    station = make_station()
    days = settings.FRAME_RETENTION_DAYS
    frames = [OcppFrame.objects.create(asset=station, direction="in") for _ in range(3)]
    for frame, age in zip(frames, (days + 1, days + 2, days - 1), strict=True):
        OcppFrame.objects.filter(pk=frame.pk).update(created_at=days_ago(age))

    pruned = frames_prune(now=NOW)

    left = list(OcppFrame.objects.values_list("pk", flat=True))
    if frames_partitioned():  # PostgreSQL: their partition goes whole (test_frame_partitions)
        assert (pruned, len(left)) == (0, 3)
    else:
        assert (pruned, left) == (2, [frames[2].pk])


def test_a_run_deletes_at_most_its_batches_and_the_next_run_the_rest(make_station) -> None:
    station = make_station()
    for n in range(5):
        call(station, f"m{n}", CallState.ANSWERED, 1)
    calls = OcppCall.objects.all()

    assert delete_in_batches(calls, batch_size=2, max_batches=2) == 4
    assert delete_in_batches(calls, batch_size=2, max_batches=2) == 1
    assert not OcppCall.objects.exists()


def test_expired_oauth_tokens_are_cleared() -> None:
    client, _ = api_client_create(name="retention", scopes=["write:ocpp"], network_names=[])
    for name, expires in (("expired", days_ago(1)), ("valid", NOW + timedelta(hours=1))):
        AccessToken.objects.create(token=name, application=client, scope="", expires=expires)

    oauth_tokens_prune()

    assert list(AccessToken.objects.values_list("token", flat=True)) == ["valid"]


def test_the_beat_runs_every_retention_job(make_station) -> None:
    station = make_station()
    old = call(station, "old", CallState.ANSWERED, settings.CALL_RETENTION_DAYS + 1)

    report = retention_run(now=NOW)

    assert settings.CELERY_BEAT_SCHEDULE["retention"]["task"] == (
        "retention.tasks.prune_expired_data"
    )
    assert not [name for name, outcome in report.items() if isinstance(outcome, Exception)]
    assert report["calls"] == 1
    assert not OcppCall.objects.filter(pk=old.pk).exists()


def test_status_changes_go_after_their_retention(make_station) -> None:
    station = make_station("CP-1")
    days = settings.STATUS_HISTORY_RETENTION_DAYS

    def change(age_days: float) -> ConnectorStatusChange:
        return ConnectorStatusChange.objects.create(
            asset=station, evse_id=1, connector_id=1, status="Available", at=days_ago(age_days)
        )

    old, recent = change(days + 1), change(days - 1)
    assert status_changes_prune(now=NOW) == 1
    assert list(ConnectorStatusChange.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ConnectorStatusChange.objects.filter(pk=old.pk).exists()
