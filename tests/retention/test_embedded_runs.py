"""Without Celery beat (the embedded setup), the daphne process runs beat's retention entry
itself (csms.embedded_beat): at the first tick, then not again within its interval."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from csms.embedded_beat import EmbeddedBeat
from ocpp_bridge.models import CallState, OcppCall


def old_call(station, message_id: str) -> OcppCall:
    call = OcppCall.objects.create(
        asset=station, protocol="ocpp1.6", message_id=message_id, action="Reset",
        state=CallState.ANSWERED,
    )  # fmt: skip
    OcppCall.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(days=400))
    return call


@pytest.mark.django_db(transaction=True)
def test_the_embedded_beat_prunes_once_per_interval(make_station) -> None:
    beat = EmbeddedBeat({"retention": settings.CELERY_BEAT_SCHEDULE["retention"]})
    station = make_station()
    first = old_call(station, "first")

    beat.tick()
    assert beat._pool is not None
    beat._pool.shutdown(wait=True)
    assert not OcppCall.objects.filter(pk=first.pk).exists()

    second = old_call(station, "second")
    beat.tick()  # the next heartbeat, well within the hour
    assert OcppCall.objects.filter(pk=second.pk).exists()
