import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import TransactionTestCase

from api import token_cache
from assets.models import Asset
from assets.services import station_upsert
from tests.cluster import cluster  # noqa: F401  (the session's one production-shape cluster)
from tests.servers import daphne_process
from webhooks.subscriptions import subscriptions_changed_elsewhere

STATION_PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config: pytest.Config) -> None:
    # Hashing thousands of test secrets at production cost would dominate the run time: a
    # fast hasher here, and (through the environment) in the server processes tests start.
    os.environ["CSMS_TEST_FAST_HASHING"] = "1"
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    # Each run refuses some handshakes from 127.0.0.1 on purpose (~15); counts live in Redis for
    # the window, so quick reruns must not lock the loopback address for every later test.
    os.environ.setdefault("OCPP_AUTH_MAX_ADDRESS_FAILURES", "1000")
    settings.OCPP_AUTH_MAX_ADDRESS_FAILURES = int(os.environ["OCPP_AUTH_MAX_ADDRESS_FAILURES"])
    # The tests' webhook receivers listen on http://127.0.0.1, which production refuses:
    # allow loopback and http here and in the servers (tests of the wall turn it off again).
    os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")
    settings.WEBHOOK_ALLOWED_NETWORKS = os.environ["WEBHOOK_ALLOWED_NETWORKS"].split(",")
    settings.WEBHOOK_ALLOW_HTTP = os.environ["WEBHOOK_ALLOW_HTTP"] == "true"
    # The beat schedule's jobs would run in this process's heartbeat (embedded setup) and
    # change rows under the tests; the servers the tests start run it as in production.
    settings.EMBEDDED_BEAT = False
    # Each test builds its own fleet: the dashboard's availability must not come from a cache
    # filled by an earlier test (here or in the servers). tests/ui tests the cache itself.
    os.environ.setdefault("UI_AVAILABILITY_CACHE_SECONDS", "0")
    settings.UI_AVAILABILITY_CACHE_SECONDS = int(os.environ["UI_AVAILABILITY_CACHE_SECONDS"])
    # This process's own ORM use runs in pytest-asyncio's helper threads, which never hand
    # their connections back: a pool would run dry. The servers the tests start keep it.
    settings.DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
    TransactionTestCase._fixture_teardown = _retrying_on_deadlock(  # type: ignore[method-assign]
        TransactionTestCase._fixture_teardown
    )


def _retrying_on_deadlock(flush: Callable[[TransactionTestCase], None]):
    """Transactional tests end with one TRUNCATE of every table, which takes its locks table by
    table, while the server processes the tests share may still be recording what a test's
    last act caused (e.g. a station's disconnect updates its connection, then its asset).
    PostgreSQL then aborts one side as a deadlock; when that is the TRUNCATE, run it again."""

    def flush_retrying(test: TransactionTestCase) -> None:
        for attempt in range(1, 6):
            try:
                return flush(test)
            except CommandError as error:
                cause = error.__cause__
                if not (isinstance(cause, OperationalError) and "deadlock" in str(cause)):
                    raise
                if attempt == 5:
                    raise
                time.sleep(0.1 * attempt)

    return flush_retrying


@pytest.fixture(autouse=True)
def _caches_follow_flushed_tables() -> Iterator[None]:
    """Transactional tests end by emptying the tables, which no signal reports: every process
    (this one and the servers) must forget the webhook endpoints and bearer tokens it cached."""
    yield
    subscriptions_changed_elsewhere()
    token_cache.VERSION.replace()


@pytest.fixture
def make_station(db: None):
    """Create a station (asset) that may connect with STATION_PASSWORD."""

    def make(
        identity: str = "CP-1", protocol: str = "", rate: object = None, **kwargs: object
    ) -> Asset:
        asset, _ = station_upsert(
            identity=identity, password=STATION_PASSWORD, protocol=protocol, **kwargs
        )
        if rate is not None:
            asset.rate = rate
            asset.save(update_fields=["rate"])
        return asset

    return make


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def daphne_server(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[str]:
    """A real daphne process serving the project on the test database: 'host:port'."""
    with django_db_blocker.unblock(), daphne_process(server_logs / "daphne.log") as address:
        yield address


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return [f"database: {db}, channel layer: {layer}, CI: {os.environ.get('CI', 'no')}"]


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Async tests read the ORM from helper threads whose connections outlive the tests; end
    them so the test database can be dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
