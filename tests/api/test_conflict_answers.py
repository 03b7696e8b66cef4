"""409 answers name nothing of another tenant: not the station identity, idToken or network
name they met (the caller's own value is not echoed either). Over real HTTP (daphne)."""

import pytest

from networks.models import Network
from networks.services import network_get_or_create
from tests.api_clients import api_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_asset_identity_conflict_does_not_echo_the_identity(
    daphne_server: str, make_station
) -> None:
    make_station("CP-THEIRS", network_name="south")
    north = api_for(daphne_server, "write:asset read:asset", ["north"])
    north_id = str(Network.objects.get(name="north").pk)
    body = {"ocppIdentity": "CP-THEIRS", "networkId": north_id}
    taken = north.post("/asset-management/v1/assets", body)
    assert taken.status_code == 409, taken.text
    assert "CP-THEIRS" not in taken.text and "south" not in taken.text


def test_a_network_name_conflict_does_not_echo_the_name(daphne_server: str) -> None:
    network_get_or_create(name="south")
    operator = api_for(daphne_server, "write:network")
    taken = operator.post("/asset-management/v1/networks", {"name": "south"})
    assert taken.status_code == 409, taken.text
    assert "south" not in taken.text
