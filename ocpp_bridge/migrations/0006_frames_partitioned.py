"""The frame log partitioned by day on PostgreSQL, its frames kept; SQLite keeps a plain table.

PostgreSQL cannot partition a table in place: the table is renamed, a partitioned one of the
same columns, constraints and indexes takes its name, the frames are copied over (in one
statement, inside the migration's transaction) and the old table is dropped. Its partitions:
one holding everything before today (dropped whole once all of it is past retention), one per
day from today on, a few days ahead, and a default one that catches what no partition covers
(empty while beat creates partitions ahead). The primary key becomes (id, created_at): a
partitioned table's unique keys must hold its partition key; ids stay unique through the one
identity sequence. Nothing references a frame, so no foreign key has to follow.

Self-contained on purpose (a migration must not change when the app's code does): the
rotation in ocpp_bridge/frame_partitions.py names and bounds partitions the same way.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations, models

TABLE = "ocpp_bridge_ocppframe"
OLD = "ocpp_bridge_ocppframe_unpartitioned"
DAYS_AHEAD = 3


def _indexes(cursor, table):
    """(name, definition) of the table's indexes but its primary key."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT x.indisprimary ORDER BY i.relname",
        [table],
    )
    return cursor.fetchall()


def _foreign_keys(cursor, table):
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


def _rebuild(cursor, *, partitioned):
    """Move the frame table into a new one of the same shape, partitioned or plain."""
    indexes, foreign_keys = _indexes(cursor, TABLE), _foreign_keys(cursor, TABLE)
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
    key, tail = ("id, created_at", " PARTITION BY RANGE (created_at)") if partitioned else ("id", "")
    cursor.execute(
        f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY "
        f"INCLUDING CONSTRAINTS, CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})){tail}"
    )
    if partitioned:
        _create_partitions(cursor)
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), max(id)) FROM {TABLE} "
        "HAVING max(id) IS NOT NULL"
    )
    cursor.execute(f"DROP TABLE {OLD}")
    # Indexes and foreign keys after the copy: built once rather than row by row, and checked
    # by one scan rather than by deferred triggers (which would block the index operations
    # that follow in this transaction).
    for _, definition in indexes:
        cursor.execute(definition.replace(f" ON ONLY public.{TABLE} ", f" ON public.{TABLE} "))
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')


def _literal(moment):
    """A bound as DDL takes it: a literal (it takes no parameters)."""
    return f"'{moment.isoformat()}'"


def _create_partitions(cursor):
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    cursor.execute(
        f"CREATE TABLE {TABLE}_before_{today:%Y%m%d} PARTITION OF {TABLE} "
        f"FOR VALUES FROM (MINVALUE) TO ({_literal(today)})"
    )
    for offset in range(DAYS_AHEAD + 1):
        start = today + timedelta(days=offset)
        cursor.execute(
            f"CREATE TABLE {TABLE}_p{start:%Y%m%d} PARTITION OF {TABLE} "
            f"FOR VALUES FROM ({_literal(start)}) TO ({_literal(start + timedelta(days=1))})"
        )
    cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0005_asset_command_station_permission"),
        ("ocpp_bridge", "0005_invalid_response"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition),
        migrations.AlterModelOptions(
            name="ocppframe",
            options={"ordering": ("-created_at", "-id")},
        ),
        migrations.RemoveIndex(
            model_name="ocppframe",
            name="ocpp_bridge_asset_i_3b84be_idx",
        ),
        migrations.AddIndex(
            model_name="ocppframe",
            index=models.Index(fields=["asset", "-created_at"], name="ocpp_frame_asset_time_idx"),
        ),
        migrations.AddIndex(
            model_name="ocppframe",
            index=models.Index(fields=["message_id"], name="ocpp_frame_message_id_idx"),
        ),
    ]
