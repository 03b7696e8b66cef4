import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import (
    celery_worker_process,
    daphne_process,
    unavailable,
    webhook_sender_process,
)

# Short so that timeout tests are quick; long enough for a loaded CI machine to answer.
CLUSTER_CALL_TIMEOUT = "3"
CLUSTER_WEBHOOK_TIMEOUT = "20"


@dataclass(frozen=True)
class Cluster:
    """The production shape: two daphne processes, a Celery worker and a webhook sender on
    PostgreSQL + Redis."""

    daphne_a: str
    daphne_b: str


@pytest.fixture(scope="session")
def cluster(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[Cluster]:
    if not settings.REDIS_URL:
        unavailable("multi-process tests need REDIS_URL (and ideally DATABASE_URL)")
    env = {
        "OCPP_CALL_TIMEOUT": CLUSTER_CALL_TIMEOUT,
        "OCPP_SYNC_QUEUE_WAIT": "15",
        # Long enough for a hanging receiver to show starvation (test_webhooks_under_load).
        "WEBHOOK_TIMEOUT_SECONDS": CLUSTER_WEBHOOK_TIMEOUT,
    }
    with django_db_blocker.unblock(), ExitStack() as stack:
        a = stack.enter_context(daphne_process(server_logs / "daphne-a.log", **env))
        b = stack.enter_context(daphne_process(server_logs / "daphne-b.log", **env))
        stack.enter_context(celery_worker_process(server_logs / "worker.log", **env))
        stack.enter_context(webhook_sender_process(server_logs / "webhook-sender.log", **env))
        yield Cluster(a, b)


@pytest.fixture(autouse=True)
def settled(transactional_db: None) -> Iterator[None]:
    """After each test, wait until the server processes are quiet (connections closed, calls
    final) so that emptying the database does not race their last writes."""
    yield
    from ocpp_bridge.models import CallState, ChargerConnection, OcppCall

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        busy = ChargerConnection.objects.filter(closed_at__isnull=True).exists() or (
            OcppCall.objects.filter(state__in=[CallState.QUEUED, CallState.SENT]).exists()
        )
        if not busy:
            return
        time.sleep(0.1)
