"""Migration 0006 partitions the frame log of an existing PostgreSQL database and keeps every
frame it held: old ones, today's, and the raw text of one that never parsed."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ocpp_bridge.frame_log import frame_record
from ocpp_bridge.models import Direction, OcppFrame
from ocpp_bridge.station_events import StationRef
from tests.servers import unavailable

BEFORE = [("ocpp_bridge", "0005_invalid_response")]


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("partitioning: needs a PostgreSQL DATABASE_URL")


@pytest.fixture
def schema_before_partitioning() -> Iterator[MigrationExecutor]:
    """The frame table as migration 0005 left it; the latest schema again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = %s::regclass", [table]
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_migrating_an_existing_frame_log_partitions_it_and_keeps_its_frames(
    make_station, schema_before_partitioning: MigrationExecutor
) -> None:
    # given a frame log of the current schema, with frames of long ago, of today and one
    # that never parsed
    station = make_station("CP-MIG")
    frames = schema_before_partitioning.loader.project_state(BEFORE).apps.get_model(
        "ocpp_bridge", "OcppFrame"
    )
    now = timezone.now()
    written = [
        frames.objects.create(
            asset_id=station.pk,
            direction="in",
            message_type=2,
            message_id=f"m{days}",
            action="Heartbeat",
            payload={"days": days},
        )
        for days in (400, 31, 2, 0)
    ]
    for frame, days in zip(written, (400, 31, 2, 0), strict=True):
        frames.objects.filter(pk=frame.pk).update(created_at=now - timedelta(days=days))
    garbled = frames.objects.create(asset_id=station.pk, direction="in", raw="[2,'no json")
    assert not is_partitioned("ocpp_bridge_ocppframe")

    # when the database is migrated
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then the frame log is partitioned and holds every frame as it was
    assert is_partitioned("ocpp_bridge_ocppframe")
    kept = {frame.pk: frame for frame in OcppFrame.objects.all()}
    assert set(kept) == {frame.pk for frame in [*written, garbled]}
    for frame, days in zip(written, (400, 31, 2, 0), strict=True):
        assert kept[frame.pk].payload == {"days": days}
        assert kept[frame.pk].created_at == now - timedelta(days=days)
    assert kept[garbled.pk].raw == "[2,'no json"
    assert kept[garbled.pk].payload is None
    # and new frames carry on after the old ids, into the partitioned table
    ref = StationRef(asset_id=station.pk, identity=station.identity, network_id=None, protocol="")
    new = frame_record(station=ref, connection_id=None, direction=Direction.IN, message_type=2)
    assert new.pk > max(kept)
    assert OcppFrame.objects.filter(pk=new.pk).exists()
