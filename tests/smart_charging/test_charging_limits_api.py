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


def test_a_panel_stations_tx_default_and_transaction_limits_are_the_panels(
    client_with,  # noqa: F811
    make_station,
) -> None:
    """Its TxDefault is the panel's fallback (an idle EVSE counts at it) and its transactions'
    limits the load manager's: an operator's would replace them and could overcommit the
    panel. A station maximum only lowers what it draws: still the operator's."""
    from assets.models import AssetGroup
    from smart_charging.services import panel_create, panel_station_attach

    asset = make_station("CP-LIM")
    site = AssetGroup.objects.create(network=asset.network, name="Depot")
    panel_station_attach(panel=panel_create(asset_group=site, name="Main", capacity=40),
                         asset=asset, fallback_amps=6)  # fmt: skip
    api = client_with("write:ocpp read:asset")

    for body in (
        {"purpose": "tx_default", "limitAmps": 32},
        {"purpose": "tx", "limitAmps": 32, "evseId": 1, "transactionId": "7"},
    ):
        refused = api.post(LIMITS, body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "managed_by_panel"
    fallback = ChargingLimit.objects.get()
    assert (fallback.purpose, fallback.limit_amps, fallback.source) == ("tx_default", 6, "fallback")
    assert api.post(LIMITS, {"purpose": "station_max", "limitAmps": 20}).status_code == 202
