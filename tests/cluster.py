"""The production shape for end-to-end tests: one cluster for the whole session.

Defined here and taken into the root conftest only: a session-scoped fixture imported into a
test module is a separate fixture there, and each such copy kept a cluster of its own (two
daphnes, a worker, a sender, their database connections) running to the end of the session.
"""

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
CLUSTER_SETTLE_SECONDS = "2"


@dataclass(frozen=True)
class Cluster:
    """The production shape: two daphne processes, a Celery worker for calls and one for the
    load manager, and a webhook sender on PostgreSQL + Redis."""

    daphne_a: str
    daphne_b: str


@pytest.fixture(scope="session")
def cluster(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[Cluster]:
    if not settings.REDIS_URL:
        unavailable("multi-process tests need REDIS_URL (and ideally DATABASE_URL)")
    env = {
        "OCPP_CALL_TIMEOUT": CLUSTER_CALL_TIMEOUT,
        "OCPP_SYNC_QUEUE_WAIT": "15",
        # A car's readings tell what it draws under a new limit this soon (the slow car test).
        "SMART_CHARGING_SETTLE_SECONDS": CLUSTER_SETTLE_SECONDS,
        # Long enough for a hanging receiver to show starvation (test_webhooks_under_load).
        "WEBHOOK_TIMEOUT_SECONDS": CLUSTER_WEBHOOK_TIMEOUT,
    }
    with django_db_blocker.unblock(), ExitStack() as stack:
        a = stack.enter_context(daphne_process(server_logs / "daphne-a.log", **env))
        b = stack.enter_context(daphne_process(server_logs / "daphne-b.log", **env))
        stack.enter_context(celery_worker_process(server_logs / "worker.log", **env))
        stack.enter_context(
            celery_worker_process(server_logs / "load-manager.log", queues="smart_charging", **env)
        )
        stack.enter_context(webhook_sender_process(server_logs / "webhook-sender.log", **env))
        yield Cluster(a, b)
