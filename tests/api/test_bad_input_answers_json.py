"""Bad API input over real HTTP: never a 5xx, never an HTML page, always the error envelope
{"error": {"code", "message", "details"}} with a code naming the problem."""

import asyncio
import json
from typing import Any

import pytest
import requests

from api.scope_catalogue import SCOPES
from assets.models import Asset
from ocpp_bridge.models import OcppCall
from rates.models import Rate
from tests.api_clients import Api
from tests.e2e.raw_station import RawStation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ALL = " ".join(SCOPES)


@pytest.fixture
def api(client_with, make_station) -> Api:
    make_station("CP-1", protocol="ocpp2.0.1")
    return client_with(ALL)


def error_of(response: requests.Response, http_status: int, code: str) -> dict[str, Any]:
    assert response.status_code == http_status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:300]
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    assert isinstance(error["details"], dict), error
    return error


@pytest.mark.parametrize("limit", ["²", "١", "1²", "0", "101", "9" * 40])  # noqa: RUF001
def test_a_limit_that_is_not_ascii_digits_in_range_is_400_invalid_limit(api, limit) -> None:
    error_of(api.get("/tokens", params={"limit": limit}), 400, "invalid_limit")


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/tokens/²", "token_not_found"),
        ("/sessions/²", "session_not_found"),
        ("/tokens/" + "9" * 30, "token_not_found"),
    ],
)
def test_unicode_digits_in_a_path_id_name_nothing(api, path, code) -> None:
    error_of(api.get(path), 404, code)


@pytest.mark.parametrize(
    "path",
    [
        "/tokens/%00",
        "/sessions/1%00",
        "/asset-management/v1/assets/CP%001",
        "/ocpp/v2/requests/a%00b",
        "/asset-management/v1/assets?networkId=%00",
        "/tokens?startingAfter=%00",
        "/sessions?assetId=x%00",
    ],
)
def test_a_nul_in_a_path_or_query_id_is_404_or_400_invalid_characters(api, path) -> None:
    error_of(api.get(path), 400 if "?" in path else 404, "invalid_characters")


def test_a_very_deep_json_body_is_400_json_too_deep(api) -> None:
    for body in ("[" * 100_000, json.dumps({"payload": json.loads("[" * 40 + "]" * 40)})):
        response = requests.post(
            f"{api.base}/ocpp/v2/raw-request",
            data=body,
            headers={**api.headers(), "Content-Type": "application/json"},
            timeout=30,
        )
        error_of(response, 400, "json_too_deep")


def test_a_10_mb_body_is_413_payload_too_large(api) -> None:
    response = requests.post(
        f"{api.base}/ocpp/v2/raw-request",
        data=b"{" + b" " * 10_000_000 + b"}",
        headers={**api.headers(), "Content-Type": "application/json"},
        timeout=60,
    )
    assert error_of(response, 413, "payload_too_large")["details"]["maxBytes"] > 0


def test_unknown_api_routes_are_json_404_and_html_pages_stay_html(api) -> None:
    error_of(api.get("/no/such/route"), 404, "route_not_found")
    error_of(api.get("/asset-management/v1/nothing"), 404, "route_not_found")
    page = requests.get(f"{api.base}/stations/no/such/page", timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    browser = requests.get(f"{api.base}/no/such/route", headers={"Accept": "text/html"}, timeout=10)
    assert (browser.status_code, browser.headers["Content-Type"][:9]) == (404, "text/html")


@pytest.mark.parametrize("request_id", ["a/b", "..", ".", "   ", " x", "a b", "é", "x\u2028"])
def test_a_request_id_that_cannot_be_read_back_is_400_invalid_request_id(api, request_id) -> None:
    body = {"action": "Reset", "assetId": "CP-1", "payload": {"type": "Immediate"}}
    response = api.post("/ocpp/v2/raw-request", {**body, "requestId": request_id})
    error_of(response, 400, "invalid_request_id")
    assert OcppCall.objects.count() == 0


def test_a_request_id_of_the_defined_set_is_taken_and_read_back(api) -> None:
    body = {"action": "Reset", "assetId": "CP-1", "payload": {"type": "Immediate"}}
    response = api.post("/ocpp/v2/raw-request", {**body, "requestId": "Ab-1_2.3:4~5"})
    error_of(response, 409, "station_not_connected")  # refused for being offline, not its id


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff"])
async def test_nul_or_lone_surrogate_in_a_payload_to_an_online_station_is_400(
    api, text: str
) -> None:
    body = (
        '{"action": "SetNetworkProfile", "assetId": "CP-1", "async": false, "payload": '
        '{"configurationSlot": 1, "connectionData": {"ocppVersion": "OCPP20", '
        '"ocppTransport": "JSON", "ocppCsmsUrl": ' + json.dumps(text) + ", "
        '"messageTimeout": 30, "securityProfile": 1, "ocppInterface": "Wired0"}}}'
    )
    async with RawStation(api.base.removeprefix("http://"), "CP-1", "ocpp2.0.1"):
        response = await asyncio.to_thread(
            requests.post,
            f"{api.base}/ocpp/v2/raw-request",
            data=body.encode("utf-8", "surrogatepass"),
            headers={**api.headers(), "Content-Type": "application/json"},
            timeout=30,
        )
    error_of(response, 400, "invalid_payload")
    assert await OcppCall.objects.acount() == 0


async def test_rate_disable_on_a_malformed_clear_tariffs_answer_is_502_invalid_response(
    api,
) -> None:
    rate = await Rate.objects.acreate(name="R", currency="EUR", price_per_kwh="0.30")

    def malformed(action: str, payload: dict) -> dict:
        return {"clearTariffsResult": "all gone"} if action == "ClearTariffs" else {}

    asset = await Asset.objects.aget(identity="CP-1")
    asset.rate = rate
    await asset.asave(update_fields=["rate"])
    async with RawStation(api.base.removeprefix("http://"), "CP-1", "ocpp2.1", policy=malformed):
        response = await asyncio.to_thread(
            api.post, f"/ocpp/v2/assets/{asset.pk}/rate-display/disable"
        )
    error_of(response, 502, "invalid_response")
