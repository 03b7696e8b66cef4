"""The REST API fuzzed from its own OpenAPI document (schemathesis) against a real daphne.

For every operation, requests that fit the document and requests that break it, sent with a
real OAuth2 token holding every scope: no answer is a 5xx, every 4xx is the platform's error
envelope with a code naming the problem, and answers conform to the document where
schemathesis can check it. Path parameters are now random, now ids of real rows.

FUZZ_API_EXAMPLES raises the number of requests per operation and mode (CI keeps it small).
"""

import os
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.scope_catalogue import SCOPES
from charging.models import ChargingSession
from ocpp_bridge.models import OcppCall
from tests.api_clients import Api, api_for
from tests.reliability.figures import report_figures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "12"))
SCHEMA_DICT: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
SCHEMA = schemathesis.openapi.from_dict(SCHEMA_DICT)
OPERATIONS = [
    (path, method)
    for path, methods in SCHEMA_DICT["paths"].items()
    for method in methods
    if method in {"get", "post", "patch", "put", "delete"}
]
FIGURES: Counter[str] = Counter()


@pytest.fixture
def api(daphne_server: str) -> Api:
    return api_for(daphne_server, " ".join(SCOPES))


@pytest.fixture
def real_ids(api: Api, make_station) -> dict[str, str]:
    """One row of each kind, made through the API itself, for path parameters to hit."""
    network = _created(api.post("/asset-management/v1/networks", {"name": "fuzz-net"}))
    station = make_station("FUZZ-API", protocol="ocpp2.0.1", network_name="fuzz-net")
    group = _created(
        api.post("/asset-management/v1/asset-groups", {"name": "G", "networkId": network})
    )
    partner = _created(
        api.post(
            "/asset-management/v1/site-partners",
            {"name": "P", "type": "siteHost", "networkId": network},
        )
    )
    token = _created(api.post("/tokens", {"idToken": "FUZZ-TOKEN"}))
    endpoint = _created(
        api.post(
            "/webhooks/v1/webhook-endpoints",
            {"url": "https://example.invalid/hook", "eventTypes": ["ocpp.message"]},
        )
    )
    session = ChargingSession.objects.create(asset=station, transaction_id="FUZZ-TX")
    call = OcppCall.objects.create(
        asset=station, protocol="ocpp2.0.1", message_id="fuzz-call", action="Reset"
    )
    return {
        "network_id": network,
        "asset_id": str(station.pk),
        "group_id": group,
        "partner_id": partner,
        "token_id": token,
        "endpoint_id": endpoint,
        "session_id": str(session.pk),
        "message_id": call.message_id,
        "delivery_id": "0",
    }


def _created(response: requests.Response) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def check_error_envelope(response: Any) -> None:
    """A 4xx names its problem: {"error": {"code": "...", "message": "...", "details": {}}}.
    `response` is schemathesis's: headers are lower-cased, each a list of values."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (response.status_code, content_type)
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"].replace("_", "").isalpha(), error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error


def operation_cases(path: str, method: str, ids: dict[str, str]) -> st.SearchStrategy[Any]:
    operation = SCHEMA[path][method.upper()]
    names = [p["name"] for p in SCHEMA_DICT["paths"][path][method].get("parameters", [])]
    real = {name: ids[name] for name in names if name in ids and f"{{{name}}}" in path}
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if real:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in modes
        ]
    return st.one_of(strategies)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_request_gets_a_5xx_and_every_error_names_its_problem(
    daphne_server: str, api: Api, real_ids: dict[str, str], path: str, method: str
) -> None:
    session = requests.Session()
    base = f"http://{daphne_server}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation_cases(path, method, real_ids))
    def request_is_answered_cleanly(case: Any) -> None:
        response = case.call(base_url=base, session=session, headers=api.headers(), timeout=60)
        FIGURES[f"{response.status_code // 100}xx"] += 1
        check_error_envelope(response)
        if case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE:
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

    request_is_answered_cleanly()
    report_figures("api", {"requests": sum(FIGURES.values()), "by_class": dict(FIGURES)})


# --- what the fuzzer found, pinned ----------------------------------------------------------


@pytest.mark.parametrize("body", [{"expiresAt": "0070-07-07T23:14:22Z"}, {}])
def test_a_token_expiring_before_the_year_1000_is_refused(api: Api, body: dict) -> None:
    created = api.post("/tokens", {"idToken": "OLD", **body})
    if not body:
        assert created.status_code == 201
        created = api.patch(
            f"/tokens/{created.json()['data']['id']}", body | {"expiresAt": "0999-12-31T23:59:59Z"}
        )
    assert created.status_code == 400
    error = created.json()["error"]
    assert (error["code"], list(error["details"]["fields"])) == ("invalid_request", ["expiresAt"])
