"""The frame log's day partitions on PostgreSQL (created by migration 0006): created ahead of
time, and expired ones detached and dropped whole, never deleted row by row.

A partition named `<table>_pYYYYMMDD` holds one UTC day; `<table>_before_YYYYMMDD` what the
migration found before that day; `<table>_default` what no partition covers (empty while beat
creates partitions ahead: a frame is never refused for want of one). Bounds are read from the
catalogue, not from the names.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from ocpp_bridge.models import OcppFrame

TABLE = OcppFrame._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
_BOUND = re.compile(r"FROM \((MINVALUE|'[^']+')\) TO \((MAXVALUE|'[^']+')\)")


@dataclass(frozen=True)
class FramePartition:
    """One partition of the frame log; `start`/`end` None for an open bound."""

    name: str
    start: datetime | None
    end: datetime | None


# Called with a partition about to be dropped (e.g. to archive it); an exception keeps it.
BeforeDrop = Callable[[FramePartition], None]


def frames_partitioned() -> bool:
    """Whether the frame log is partitioned here (PostgreSQL after migration 0006)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def frame_partitions() -> list[FramePartition]:
    """The day partitions (and the one from before the migration), oldest first; not the
    default partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        rows = cursor.fetchall()
    partitions = []
    for name, bound in rows:
        match = _BOUND.search(bound)
        if match:
            partitions.append(FramePartition(name, _moment(match[1]), _moment(match[2])))
    return sorted(partitions, key=lambda p: p.start or datetime.min.replace(tzinfo=UTC))


def _moment(bound: str) -> datetime | None:
    if bound in ("MINVALUE", "MAXVALUE"):
        return None
    return datetime.fromisoformat(bound.strip("'")).astimezone(UTC)


def _literal(moment: datetime) -> str:
    return f"'{moment.isoformat()}'"  # DDL takes no parameters; a datetime we made


def frame_partitions_create_ahead(*, today: date, days_ahead: int) -> list[str]:
    """Create the day partitions of `today` and the `days_ahead` days after it that do not
    exist yet; the names created. Frames of such a day that went to the default partition
    move into it, in the same short transaction."""
    covered = {p.start for p in frame_partitions()}
    created = []
    for offset in range(days_ahead + 1):
        start = datetime.combine(today + timedelta(days=offset), time(), tzinfo=UTC)
        if start not in covered:
            created.append(_partition_create(start, start + timedelta(days=1)))
    return created


def _partition_create(start: datetime, end: datetime) -> str:
    name = f"{TABLE}_p{start:%Y%m%d}"
    bounds = f"FOR VALUES FROM ({_literal(start)}) TO ({_literal(end)})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {DEFAULT_PARTITION} WHERE created_at >= %s AND created_at < %s LIMIT 1",
            [start, end],
        )
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} {bounds}")
            return name
        # PostgreSQL refuses a partition whose rows sit in the default one: move them first.
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= %s AND "
            f"created_at < %s RETURNING *) INSERT INTO {name} SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} {bounds}")
    return name


def frame_partitions_drop_expired(
    *, cutoff: datetime, before_drop: BeforeDrop | None = None
) -> list[str]:
    """Detach and drop, each in one short transaction, the partitions holding only frames
    older than `cutoff`; `before_drop` runs first for each (an exception keeps that
    partition and stops the run). The names dropped."""
    dropped = []
    for partition in frame_partitions():
        if partition.end is None or partition.end > cutoff:
            continue
        if before_drop is not None:
            before_drop(partition)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {partition.name}")
            cursor.execute(f"DROP TABLE {partition.name}")
        dropped.append(partition.name)
    return dropped


def frame_default_partition_prune(*, cutoff: datetime, batch_size: int, max_batches: int) -> int:
    """Delete frames older than `cutoff` from the default partition (where frames go only
    while no day partition covers them), `batch_size` rows per short transaction, at most
    `max_batches` times; the number deleted."""
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DEFAULT_PARTITION} WHERE ctid IN (SELECT ctid FROM "
                f"{DEFAULT_PARTITION} WHERE created_at < %s LIMIT %s)",
                [cutoff, batch_size],
            )
            deleted += cursor.rowcount
        if cursor.rowcount < batch_size:
            break
    return deleted
