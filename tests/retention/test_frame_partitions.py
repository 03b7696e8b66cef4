"""PostgreSQL: the frame log's day partitions are created ahead, expired ones are dropped
whole (archived first when enabled), and a frame is never refused for want of a partition."""

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ocpp_bridge.frame_partitions import DEFAULT_PARTITION, frame_partitions
from ocpp_bridge.models import OcppFrame
from retention.jobs import retention_run
from retention.services import frame_partitions_rotate
from tests.servers import unavailable

pytestmark = pytest.mark.django_db
TODAY = datetime.combine(timezone.now().date(), time(), tzinfo=UTC)


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("partitions: needs a PostgreSQL DATABASE_URL")
    # The test's rows and the rotation share one transaction here (in production the rotation
    # has its own): foreign keys checked at once leave no deferred checks to block its DDL.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def frame_at(station, at: datetime, message_id: str) -> OcppFrame:
    frame = OcppFrame.objects.create(
        asset=station, direction="in", message_type=2, message_id=message_id, payload={"m": 1}
    )
    OcppFrame.objects.filter(pk=frame.pk).update(created_at=at)  # moves it to its partition
    return frame


def partition_of(frame: OcppFrame) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {OcppFrame._meta.db_table} WHERE id = %s",
            [frame.pk],
        )
        return str(cursor.fetchone()[0])


def day_starts() -> set[datetime | None]:
    return {partition.start for partition in frame_partitions()}


def test_rotation_creates_the_coming_days_and_drops_expired_days_whole(
    make_station, settings
) -> None:
    # given frames from long ago, today and in ten days (no partition yet: the default one)
    station = make_station()
    settings.FRAME_RETENTION_DAYS, settings.FRAME_PARTITIONS_AHEAD_DAYS = 30, 3
    old = frame_at(station, TODAY - timedelta(days=40), "old")
    today = frame_at(station, TODAY + timedelta(hours=1), "today")
    later = frame_at(station, TODAY + timedelta(days=10, hours=1), "later")
    assert partition_of(later) == DEFAULT_PARTITION

    # when rotation runs 31 days from now
    created, dropped = frame_partitions_rotate(now=TODAY + timedelta(days=31, hours=2))

    # then the days 31 to 34 exist, and the days that ended 30 days ago or more are gone whole
    assert {TODAY + timedelta(days=d) for d in range(31, 35)} <= day_starts()
    assert len(created) == 4
    assert f"{OcppFrame._meta.db_table}_p{TODAY:%Y%m%d}" in dropped
    assert TODAY not in day_starts()
    assert None not in day_starts()  # the partition from before the migration
    assert set(OcppFrame.objects.values_list("pk", flat=True)) == {later.pk}
    assert not OcppFrame.objects.filter(pk__in=[old.pk, today.pk]).exists()


def test_a_day_created_after_its_frames_arrived_takes_them_from_the_default_partition(
    make_station,
) -> None:
    station = make_station()
    later = frame_at(station, TODAY + timedelta(days=10, hours=1), "later")

    frame_partitions_rotate(now=TODAY + timedelta(days=8))

    assert partition_of(later) == f"{OcppFrame._meta.db_table}_p{TODAY + timedelta(days=10):%Y%m%d}"
    assert OcppFrame.objects.get(pk=later.pk).payload == {"m": 1}


def test_an_archived_day_is_read_back_for_one_station(make_station, settings, tmp_path, capsys):
    # given archiving to a local folder, and two stations' frames of one day
    settings.FRAME_ARCHIVE_ENABLED = True
    settings.STORAGES = {
        **settings.STORAGES,
        "frame_archive": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    mine, other = make_station("CP-A"), make_station("CP-B")
    day = TODAY - timedelta(days=40)
    frame_at(mine, day + timedelta(hours=3), "a1")
    frame_at(other, day + timedelta(hours=4), "b1")
    frame_at(mine, day + timedelta(hours=5), "a2")

    # when its partition (the one from before the migration) is dropped
    retention_run(now=TODAY + timedelta(days=31))
    assert not OcppFrame.objects.exists()

    # then the archive gives that station's frames of that day back, in order
    call_command("frames_archive_read", "CP-A", day.date().isoformat())
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["messageId"] for line in lines] == ["a1", "a2"]
    assert {line["station"] for line in lines} == {"CP-A"}
    assert lines[0]["payload"] == {"m": 1}
