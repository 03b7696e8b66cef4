"""The pages and endpoints that must stay fast at any size read the growing tables through
indexes: every query they run, planned by PostgreSQL with sequential scans made a last resort,
reads no growing table whole. (Tables this small would be scanned anyway; with scans
discouraged, a scan left in a plan means no index serves the query.)"""

import json
from typing import Any

import pytest
from django.contrib.admin import site
from django.db import connection, transaction
from rest_framework.test import APIClient

from api.services import api_client_create
from charging.models import ChargingSession
from ocpp_bridge.models import ChargerConnection, OcppCall, OcppFrame
from tests.servers import unavailable

pytestmark = pytest.mark.django_db
GROWING = ("ocpp_bridge_ocppframe", "ocpp_bridge_ocppcall", "charging_chargingsession",
           "charging_metersample", "ocpp_bridge_chargerconnection")  # fmt: skip


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("query plans: needs a PostgreSQL DATABASE_URL")


@pytest.fixture
def station(make_station):
    station = make_station("CP-PLAN", protocol="ocpp2.0.1")
    link = ChargerConnection.objects.create(asset=station, protocol="ocpp2.0.1", channel_name="c")
    for n in range(3):
        OcppFrame.objects.create(asset=station, connection=link, direction="in", message_id=f"m{n}")
    for message_id in ("call-1", "call-2"):
        OcppCall.objects.create(
            asset=station, protocol="ocpp2.0.1", message_id=message_id, action="Reset"
        )
    ChargingSession.objects.create(asset=station, transaction_id="T-1", status="completed")
    return station


def api(scopes: list[str]) -> APIClient:
    client, secret = api_client_create(name="plans", scopes=scopes, network_names=[])
    http = APIClient()
    answer = http.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": client.client_id,
         "client_secret": secret},
    )  # fmt: skip
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access_token']}")
    return http


def scans_of(fetch: Any) -> dict[str, list[str]]:
    """Run `fetch` (one page or endpoint), then plan each of its queries again with
    sequential scans discouraged: the growing tables some query still reads whole (a
    sequential scan, or a whole index read to be sorted), with those queries."""
    queries: list[tuple[str, Any]] = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert fetch().status_code == 200
    assert queries
    scanned: dict[str, list[str]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in queries:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for table in _whole_reads(plan[0]["Plan"], sorted_above=False):
                scanned.setdefault(table, []).append(sql)
    return scanned


def _whole_reads(node: dict[str, Any], *, sorted_above: bool) -> list[str]:
    table = node.get("Relation Name", "")
    whole = node["Node Type"] == "Seq Scan" or (
        node["Node Type"] in ("Index Scan", "Index Only Scan")
        and "Index Cond" not in node
        and sorted_above
    )
    found = [table] if whole and table.startswith(GROWING) else []
    # (An incremental sort only orders ties of rows that already come in order.)
    sorted_below = sorted_above or node["Node Type"] == "Sort"
    for child in node.get("Plans", []):
        found += _whole_reads(child, sorted_above=sorted_below)
    return found


def test_the_station_page_reads_its_conversation_and_sessions_on_indexes(
    station, admin_client
) -> None:
    assert scans_of(lambda: admin_client.get(f"/stations/{station.pk}/")) == {}


def test_the_session_list_reads_sessions_on_indexes(station) -> None:
    http = api(["read:session"])
    assert scans_of(lambda: http.get("/sessions")) == {}
    assert scans_of(lambda: http.get("/sessions", {"status": "completed"})) == {}


def test_a_call_is_read_on_indexes(station) -> None:
    http = api(["write:ocpp"])
    assert scans_of(lambda: http.get("/ocpp/v2/requests/call-1")) == {}


def test_the_asset_list_reads_on_indexes(station) -> None:
    http = api(["read:asset"])
    assert scans_of(lambda: http.get("/asset-management/v1/assets")) == {}


@pytest.mark.parametrize("search", ["", "CP-PLAN", "Heartbeat", "m1"])
@pytest.mark.parametrize("model", ["ocppframe", "ocppcall"])
def test_the_admin_frame_and_call_lists_read_on_indexes(
    station, admin_client, monkeypatch, model: str, search: str
) -> None:
    # One row a page, so the lists page as they do at any real size (a list that fits one
    # page is read without a LIMIT).
    model_admin = site._registry[OcppFrame if model == "ocppframe" else OcppCall]
    monkeypatch.setattr(model_admin, "list_per_page", 1)
    page = f"/admin/ocpp_bridge/{model}/"
    assert scans_of(lambda: admin_client.get(page, {"q": search})) == {}
    assert scans_of(lambda: admin_client.get(page, {"time": "24h"})) == {}
