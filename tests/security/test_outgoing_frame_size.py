"""A CSMS call whose frame a station cannot take is refused with 413 payload_too_large before it
is queued; before, a frame over daphne's 1 MiB crashed the consumer and dropped the station."""

import asyncio

import pytest
from django.conf import settings

from assets.models import Asset
from ocpp_bridge.models import OcppCall
from tests.api_clients import Api, api_for
from tests.e2e.raw_station import RawStation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def data_transfer(api: Api, identity: str, data: str) -> tuple[int, dict]:
    body = {
        "action": "DataTransfer",
        "assetId": identity,
        "async": False,
        "payload": {"vendorId": "test", "data": data},
    }
    response = api.post("/ocpp/v2/raw-request", body)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "size", [settings.OCPP_MAX_FRAME_BYTES + 1, 1024 * 1024 + 1], ids=["over-limit", "over-1MiB"]
)
@pytest.mark.usefixtures("settled")
async def test_an_outgoing_frame_too_large_is_413_and_the_station_stays_connected(
    make_station,
    daphne_server: str,
    size: int,
) -> None:
    await asyncio.to_thread(make_station, "CP-BIG", protocol="ocpp1.6")
    api = await asyncio.to_thread(api_for, daphne_server, "write:ocpp write:ocpp.raw_request")
    async with RawStation(daphne_server, "CP-BIG", "ocpp1.6") as station:
        status, body = await asyncio.to_thread(data_transfer, api, "CP-BIG", "a" * size)
        assert status == 413, body
        assert body["error"]["code"] == "payload_too_large"
        assert body["error"]["details"]["limit"] == settings.OCPP_MAX_FRAME_BYTES
        assert not await OcppCall.objects.filter(action="DataTransfer").aexists()
        status, body = await asyncio.to_thread(data_transfer, api, "CP-BIG", "small")
        assert status == 200, body
        assert (await Asset.objects.aget(identity="CP-BIG")).is_online
        assert [call.payload["data"] for call in station.calls] == ["small"]
