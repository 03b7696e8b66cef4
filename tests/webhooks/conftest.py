from collections.abc import Iterator

import pytest

from tests.api.conftest import client_with  # noqa: F401  (real tokens on a real server)
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver
