"""The database settings (imported by csms/settings.py): `DATABASE_URL` chooses the database,
SQLite's `db.sqlite3` when unset; PostgreSQL runs on the project's backend
(csms/runtime/postgresql) with a connection pool per process and prepared statements."""

import os
from typing import Any

import dj_database_url

from csms.settings_env import BASE_DIR, env_bool

__all__ = ["DATABASES", "DATABASE_POOL_SIZE", "DEFAULT_AUTO_FIELD"]

POSTGRESQL = "csms.runtime.postgresql"  # Django's backend, on psycopg's C loaders
SQLITE = "django.db.backends.sqlite3"

DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _from_url() -> dict[str, Any]:
    database: dict[str, Any] = dict(
        dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            # Persistent connections: every station frame is handled in a pool thread, and a new
            # PostgreSQL connection per frame would cost more than the frame's work itself.
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = POSTGRESQL
    return database


def _pooled(database: dict[str, Any]) -> None:
    """A connection pool per process (psycopg_pool): HTTP requests and station frames run in
    many threads (Django's ASGI handler, before csms/asgi.py ran HTTP on a fixed pool, made a
    thread per request), and persistent per-thread connections piled up to PostgreSQL's
    max_connections under concurrent API clients. Pooled connections go back at the end of each
    request, frame and task. DATABASE_POOL_SIZE=0 turns it off (e.g. behind pgbouncer), and
    DATABASE_CONN_MAX_AGE applies again."""
    database["CONN_MAX_AGE"] = 0
    database["CONN_HEALTH_CHECKS"] = False
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DATABASE_POOL_SIZE,
        # How long a frame or request waits for a connection: when the database is out, a
        # station is better answered InternalError (and retries) than kept waiting.
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        # psycopg_pool retries a lost connection with a doubling delay for up to this long,
        # then starts over at 1 s on the next demand. Its default (5 min) let the delay grow
        # past a minute: after a long database outage a process stayed cut off that long
        # more, and its peers swept it as dead.
        "reconnect_timeout": 5.0,
    }


def _prepared_statements(database: dict[str, Any]) -> None:
    """Parameters sent apart from the statement, and a statement run five times on a
    connection prepared there: PostgreSQL then runs it without parsing and planning it again,
    which lowers its CPU per charger message (docs/PERFORMANCE.md, fix 39).
    DATABASE_PREPARED_STATEMENTS=false: behind a pooler that cannot keep prepared statements
    (pgbouncer before 1.21 in transaction mode)."""
    database.setdefault("OPTIONS", {})["server_side_binding"] = True
    database["OPTIONS"]["prepare_threshold"] = 5


def _sqlite_serialised(database: dict[str, Any]) -> None:
    # One writer at a time: wait for the lock instead of failing under a burst of frames.
    database.setdefault("OPTIONS", {})["timeout"] = 20
    database["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    # Take the write lock when a transaction starts, so row-locking sections (select_for_update
    # is a no-op on SQLite) are serialised instead of failing on lock upgrade.
    database["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # A file, not memory, so that server processes started by the tests share the test database.
    database["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}


def _default_database() -> dict[str, Any]:
    database = _from_url()
    if database["ENGINE"] == POSTGRESQL and DATABASE_POOL_SIZE:
        _pooled(database)
    if database["ENGINE"] == POSTGRESQL and env_bool("DATABASE_PREPARED_STATEMENTS", True):
        _prepared_statements(database)
    if database["ENGINE"] == SQLITE:
        _sqlite_serialised(database)
    return database


DATABASES = {"default": _default_database()}
