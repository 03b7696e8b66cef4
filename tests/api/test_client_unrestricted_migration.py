"""The migration that made "every network" explicit keeps each existing client's meaning: one
without networks stays unrestricted, one with networks stays restricted to them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("api", "0001_initial"), ("networks", "0002_network_concurrent_card_use")]
AFTER = [("api", "0002_client_unrestricted"), ("networks", "0002_network_concurrent_card_use")]


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_client_without_networks_stays_unrestricted_and_one_with_networks_restricted() -> None:
    old = _migrate(BEFORE)
    network = old.get_model("networks", "Network").objects.create(name="north")
    clients = old.get_model("api", "ApiClient").objects
    clients.create(name="everyone", client_type="confidential")
    clients.create(name="north only", client_type="confidential").networks.set([network])

    new = _migrate(AFTER)
    flags = dict(new.get_model("api", "ApiClient").objects.values_list("name", "unrestricted"))
    assert flags == {"everyone": True, "north only": False}
