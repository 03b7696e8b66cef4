import time
from collections.abc import Iterator

import pytest

# The cluster fixture is the root conftest's (tests/cluster.py): one for the whole session,
# whichever folder's tests ask for it.
from tests.cluster import CLUSTER_CALL_TIMEOUT, CLUSTER_WEBHOOK_TIMEOUT, Cluster  # noqa: F401


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
