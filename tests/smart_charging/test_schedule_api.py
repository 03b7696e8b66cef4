"""An operator's schedule through POST .../charging-limits over real HTTP: kept and shown with
its periods, refused with a code naming the problem, and refused when it has more periods
than the station says it takes; its description is in the OpenAPI document."""

import pytest

from assets.models import StationVariable
from smart_charging.models import ChargingLimit
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIMITS = "/asset-management/v1/assets/CP-SCHED/charging-limits"
TOMORROW = {"startPeriod": 90_000, "limitAmps": 8}  # past a day's end
EVENING = [
    {"startPeriod": 0, "limitAmps": 32},
    {"startPeriod": 61_200, "limitAmps": 16},  # 17:00
    {"startPeriod": 75_600, "limitAmps": 32},  # 21:00
]


def test_a_daily_schedule_is_kept_and_shown_with_its_peak(client_with, make_station) -> None:  # noqa: F811
    make_station("CP-SCHED", protocol="ocpp2.0.1")
    api = client_with("write:ocpp read:asset")
    body = {"purpose": "station_max", "periods": EVENING, "recurrency": "Daily",
            "scheduleStart": "2026-12-06T00:00:00+01:00"}  # fmt: skip
    created = api.post(LIMITS, body)
    assert created.status_code == 202, created.text
    limit = created.json()["data"]
    assert limit["periods"] == [{**p, "limitAmps": float(p["limitAmps"])} for p in EVENING]
    assert limit["recurrency"] == "Daily"
    assert limit["scheduleStart"] == "2026-12-05T23:00:00Z"
    assert limit["limitAmps"] == 32.0  # the most any period allows: what a panel counts
    assert api.get(LIMITS).json()["data"]["items"] == [limit]

    plain = api.post(LIMITS, {"purpose": "station_max", "limitAmps": 20}).json()["data"]
    assert plain["periods"] is None and plain["recurrency"] is None  # the schedule replaced
    assert ChargingLimit.objects.get().periods == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"periods": [{"startPeriod": 60, "limitAmps": 16}]}, "first_period_not_at_zero"),
        ({"periods": [EVENING[0], EVENING[2], EVENING[1]]}, "periods_not_ascending"),
        (
            {"periods": [EVENING[0], TOMORROW], "recurrency": "Daily"},
            "period_beyond_recurrence",
        ),
        ({"limitAmps": 16, "recurrency": "Weekly"}, "recurrence_without_periods"),
        ({"limitAmps": 16, "periods": EVENING}, "invalid_request"),
        (
            {"periods": EVENING, "purpose": "tx", "transactionId": "T-1", "evseId": 1},
            "schedule_not_for_transaction",
        ),
    ],
)
def test_a_schedule_that_cannot_be_applied_is_refused_with_its_code(
    client_with,  # noqa: F811
    make_station,
    body: dict[str, object],
    code: str,
) -> None:
    make_station("CP-SCHED", protocol="ocpp1.6")
    refused = client_with("write:ocpp").post(LIMITS, {"purpose": "tx_default", **body})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == code
    assert not ChargingLimit.objects.exists()


def test_more_periods_than_the_station_takes_are_refused_not_cut(client_with, make_station) -> None:  # noqa: F811
    asset = make_station("CP-SCHED", protocol="ocpp2.1")
    StationVariable.objects.create(
        asset=asset, component="SmartChargingCtrlr", variable="PeriodsPerSchedule", value="2"
    )
    api = client_with("write:ocpp")
    refused = api.post(LIMITS, {"purpose": "tx_default", "periods": EVENING, "recurrency": "Daily"})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "too_many_periods"
    assert "at most 2" in error["message"] and error["details"]["stationMaxPeriods"] == 2
    assert not ChargingLimit.objects.exists()
    two = {"purpose": "tx_default", "periods": EVENING[:2], "recurrency": "Daily"}
    assert api.post(LIMITS, two).status_code == 202


def test_the_schedule_and_the_installed_check_are_in_the_openapi_document(client) -> None:
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["components"]["schemas"]["ChargingLimitRequest"]
    assert {"periods", "recurrency", "scheduleStart"} <= set(body["properties"])
    installed = schema["paths"]["/asset-management/v1/assets/{asset_id}/charging-limits/installed"]
    assert installed["get"]["operationId"] == "charging_limit_installed"
