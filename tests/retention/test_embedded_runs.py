"""Without Celery beat (the embedded setup), the daphne heartbeat starts the retention run on a
thread of its own, at most once per RETENTION_EMBEDDED_EVERY_SECONDS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpp_bridge.models import CallState, OcppCall
from retention import jobs


@pytest.fixture
def embedded(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.RETENTION_EMBEDDED_EVERY_SECONDS = 3600
    jobs._embedded_last_run = None
    yield
    if jobs.embedded_thread is not None:
        jobs.embedded_thread.join(timeout=30)
    jobs._embedded_last_run = None


def old_call(station, message_id: str) -> OcppCall:
    call = OcppCall.objects.create(
        asset=station, protocol="ocpp1.6", message_id=message_id, action="Reset",
        state=CallState.ANSWERED,
    )  # fmt: skip
    OcppCall.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(days=400))
    return call


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_prunes_once_per_interval_on_a_thread(embedded, make_station) -> None:
    station = make_station()
    first = old_call(station, "first")

    jobs.retention_embedded_tick()
    thread = jobs.embedded_thread
    assert thread is not None
    thread.join(timeout=30)
    assert not OcppCall.objects.filter(pk=first.pk).exists()

    second = old_call(station, "second")
    jobs.retention_embedded_tick()  # the next beat, well within the interval
    assert jobs.embedded_thread is thread
    assert OcppCall.objects.filter(pk=second.pk).exists()
