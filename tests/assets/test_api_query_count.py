"""The asset list costs a fixed number of queries, however many assets a page holds."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import api_client_create
from assets.models import Asset, AssetGroup, Connector
from rates.models import Rate

pytestmark = pytest.mark.django_db

LIST = "/asset-management/v1/assets"


@pytest.fixture
def api() -> APIClient:
    """An in-process client holding a real token from the token endpoint."""
    client, secret = api_client_create(name="counter", scopes=["read:asset"], network_names=[])
    http = APIClient()
    token = http.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": secret,
        },
    )
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    return http


@pytest.fixture
def add_assets(make_station) -> Callable[[int], None]:
    """Add `count` fully dressed assets: group, rate and two connectors each."""
    made = 0

    def add(count: int) -> None:
        nonlocal made
        for _ in range(count):
            made += 1
            asset = make_station(f"CP-{made}", network_name="north")
            asset.asset_group = AssetGroup.objects.create(network=asset.network, name=f"G{made}")
            asset.rate = Rate.objects.create(name=f"R{made}", price_per_kwh="0.30")
            asset.save()
            for evse in (1, 2):
                Connector.objects.create(asset=asset, evse_id=evse, status="Available")

    return add


def test_the_asset_list_query_count_does_not_grow_with_the_assets(
    api: APIClient, add_assets: Callable[[int], None], django_assert_max_num_queries
) -> None:
    add_assets(1)
    with CaptureQueriesContext(connection) as one_asset:
        assert len(api.get(LIST).json()["data"]["items"]) == 1
    add_assets(14)
    with django_assert_max_num_queries(len(one_asset.captured_queries)):
        page = api.get(LIST).json()["data"]["items"]
    assert len(page) == 15 == Asset.objects.count()
    assert all(len(item["connectors"]) == 2 and item["rate"] for item in page)
