"""/asset-management/v1/assets/{assetId}/charging-limits over real HTTP: an operator's limit
is kept when the station cannot hear it, listed with its state, and removed."""

import pytest

from smart_charging.models import ChargingLimit
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIMITS = "/asset-management/v1/assets/CP-LIM/charging-limits"


def test_a_limit_for_an_offline_station_is_kept_until_it_boots(client_with, make_station) -> None:  # noqa: F811
    make_station("CP-LIM")
    api = client_with("write:ocpp read:asset")
    body = {"purpose": "station_max", "limitAmps": 16, "numberPhases": 1}
    created = api.post(LIMITS, body)
    assert created.status_code == 202, created.text
    limit = created.json()["data"]
    assert limit["status"] == "not_sent" and limit["limitAmps"] == 16.0 and limit["evseId"] == 0
    assert api.get(LIMITS).json()["data"]["items"] == [limit]
    assert api.delete(f"{LIMITS}/{limit['id']}").status_code == 204
    assert not ChargingLimit.objects.exists()


def test_a_transaction_limit_names_its_transaction(client_with, make_station) -> None:  # noqa: F811
    make_station("CP-LIM")
    api = client_with("write:ocpp")
    refused = api.post(LIMITS, {"purpose": "tx", "limitAmps": 10, "evseId": 1})
    assert refused.status_code == 400
    assert (
        client_with("read:asset")
        .post(LIMITS, {"purpose": "tx_default", "limitAmps": 1})
        .status_code
        == 403
    )
