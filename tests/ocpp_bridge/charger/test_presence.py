"""Which server processes count as dead: judged by each one's own pace, and never by silence
the judge could not have seen (its own beat stale, or only just resumed after a gap)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpp_bridge.charger.presence import (
    server_beat,
    server_beat_and_sweep,
    servers_sweep_dead,
)
from ocpp_bridge.models import ChargerConnection, ServerProcess
from ocpp_bridge.tasks import CELERY_SWEEPER, sweep_dead_servers

pytestmark = pytest.mark.django_db


def living() -> set[str]:
    return set(ServerProcess.objects.values_list("name", flat=True))


def silent_for(seconds: float, *names: str) -> None:
    """As if `names` last beat `seconds` ago, and had been beating long before."""
    then = timezone.now() - timedelta(seconds=seconds)
    ServerProcess.objects.filter(name__in=names).update(
        last_beat_at=then, beating_since=then - timedelta(hours=1)
    )


def test_a_process_is_judged_dead_by_its_own_beat_interval() -> None:
    server_beat(name="slow-beater", every=60)
    server_beat(name="fast-beater", every=0.01)
    server_beat(name="judge", every=1)
    silent_for(5, "slow-beater", "fast-beater", "judge")
    server_beat(name="judge", every=1)
    ServerProcess.objects.filter(name="judge").update(
        beating_since=timezone.now() - timedelta(hours=1)
    )
    # 5 s of silence is death for a 10 ms beater, not for one that beats every minute.
    servers_sweep_dead(sweeper="judge")
    assert living() == {"slow-beater", "judge"}


def test_a_sweeper_whose_own_beat_is_stale_judges_nobody() -> None:
    """E.g. it beat, then waited out a database outage before sweeping: everyone was silent."""
    server_beat(name="peer", every=0.01)
    server_beat(name="judge", every=1)
    silent_for(5, "peer", "judge")
    servers_sweep_dead(sweeper="judge")
    assert living() == {"peer", "judge"}


def test_a_beat_after_a_gap_starts_a_new_watch_and_a_steady_one_keeps_it() -> None:
    server_beat(name="p", every=1)
    silent_for(1, "p")  # within two beats: no gap
    watching_since = ServerProcess.objects.get(name="p").beating_since
    server_beat(name="p", every=1)
    assert ServerProcess.objects.get(name="p").beating_since == watching_since
    silent_for(3, "p")  # more than two beats: a gap
    server_beat(name="p", every=1)
    process = ServerProcess.objects.get(name="p")
    assert process.beating_since == process.last_beat_at


def test_after_a_gap_a_sweeper_gives_silent_peers_their_full_time_again() -> None:
    """All processes were cut off from the database alike: the first one back must not sweep
    the others before they had the time to beat again."""
    server_beat(name="peer", every=0.5)
    server_beat(name="judge", every=0.5)
    silent_for(30, "peer", "judge")  # the outage
    assert server_beat_and_sweep(name="judge")  # every=OCPP_SERVER_BEAT_SECONDS (10 s)
    assert living() == {"peer", "judge"}
    # Once the judge has watched for longer than the peer's dead_after, the peer is dead.
    ServerProcess.objects.filter(name="judge").update(
        beating_since=timezone.now() - timedelta(seconds=2)
    )
    assert server_beat_and_sweep(name="judge")
    assert living() == {"judge"}


def test_celery_beats_sweep_waits_like_a_process_after_an_outage(make_station) -> None:
    station = make_station("CP-1")
    server_beat(name="daphne-1", every=0.5)
    connection = ChargerConnection.objects.create(
        asset=station, protocol="ocpp1.6", channel_name="c", server_instance="daphne-1"
    )
    silent_for(120, "daphne-1")
    # The first sweep after the sweeper's own silence only starts its watch.
    assert sweep_dead_servers() == 0
    assert living() == {"daphne-1", CELERY_SWEEPER}
    ServerProcess.objects.filter(name=CELERY_SWEEPER).update(
        beating_since=timezone.now() - timedelta(seconds=5)
    )
    assert sweep_dead_servers() == 1
    assert living() == {CELERY_SWEEPER}
    connection.refresh_from_db()
    assert connection.close_reason == ChargerConnection.CloseReason.SERVER_LOST


def test_a_missing_row_means_swept_only_if_our_connections_were_swept(make_station) -> None:
    asset = make_station("CP-9")
    assert server_beat(name="p1")  # first beat: registered
    ServerProcess.objects.all().delete()  # e.g. the table was emptied
    assert server_beat(name="p1")
    ChargerConnection.objects.create(
        asset=asset, protocol="ocpp1.6", channel_name="c", server_instance="p1",
        closed_at=timezone.now(), close_reason=ChargerConnection.CloseReason.SERVER_LOST,
    )  # fmt: skip
    ServerProcess.objects.all().delete()
    assert not server_beat(name="p1")
