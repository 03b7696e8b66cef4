"""The PostgreSQL backend (csms/runtime/postgresql) reads values as Django's own backend does,
through
psycopg's C loaders."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import get_adapters_template
from psycopg.pq import Format

from csms.runtime.postgresql.base import TIMESTAMPTZ_OID
from tests.servers import unavailable

pytestmark = pytest.mark.django_db

VALUES_SQL = (
    "SELECT %s::timestamptz, %s::timestamptz, '{\"a\": [1, 2]}'::jsonb, '10.0.0.1'::inet, "
    "'10.0.0.0/8'::cidr"
)
PARAMS = ["2026-12-01 10:00:00.123456+00", "2026-06-01 12:30:00+02"]


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("needs a PostgreSQL DATABASE_URL")


def read(params: list[str]) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute(VALUES_SQL, params)
        return tuple(cursor.fetchone())


def test_values_read_as_djangos_backend_reads_them() -> None:
    ours = read(PARAMS)
    djangos = get_adapters_template(True, connection.timezone)
    with connection.cursor() as cursor:
        cursor.adapters.register_loader(
            "timestamptz", djangos.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        )
        for name in ("jsonb", "inet", "cidr"):
            oid = cursor.adapters.types[name].oid
            cursor.adapters.register_loader(name, djangos.get_loader(oid, Format.TEXT))
        cursor.execute(VALUES_SQL, PARAMS)
        theirs = tuple(cursor.fetchone())
    assert ours == theirs
    assert [type(value) for value in ours] == [type(value) for value in theirs]
    assert ours[0] == datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert ours[0].tzinfo is UTC and ours[1].tzinfo is UTC
    assert ours[1] == datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
    assert ours[2:] == ('{"a": [1, 2]}', "10.0.0.1", "10.0.0.0/8")  # text, as in Django's


def test_the_time_zone_loader_is_the_one_django_checks_each_cursor_against() -> None:
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader.timezone == connection.timezone  # else Django replaces it on every cursor
    assert loader.__module__ == "csms.runtime.postgresql.base"
