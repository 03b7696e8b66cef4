from collections.abc import Iterator

import pytest

from tests.api.conftest import client_with  # noqa: F401  (real tokens on a real server)
from tests.servers import other_workers_paused
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture(autouse=True)
def _own_sending() -> Iterator[None]:
    """These tests send in process (deliveries_send, an in-process Sender): a webhook sender of
    the session's cluster, on the same database and woken by the same kicks, would take the
    deliveries they count."""
    with other_workers_paused():
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver
