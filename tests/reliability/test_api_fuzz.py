"""The REST API fuzzed from its own OpenAPI document (schemathesis) against a real daphne.

For every operation, requests that fit the document and requests that break it, sent with a
real OAuth2 token holding every scope: no answer is a 5xx, every 4xx is the platform's error
envelope with a code naming the problem, and answers conform to the document where
schemathesis can check it. Path parameters are now random, now ids of real rows. Mixed in
(odd_inputs): path ids and query values made of Unicode digits or control characters (NUL
among them), and raw JSON bodies nested 30-2000 levels deep (whole or cut short) or holding a
NUL, a lone surrogate or bytes that are not UTF-8 where a string stands.

FUZZ_API_EXAMPLES raises the number of requests per operation and mode (CI keeps it small).
"""

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, note, settings
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
from tests.reliability.odd_inputs import (
    ODD_ID,
    ODD_STRING_LITERALS,
    deep_json,
    truncated,
    with_placeholder,
)

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
ODD_FIGURES: Counter[str] = Counter()  # odd requests by kind, also counted in FIGURES


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


@dataclass(frozen=True)
class RawRequest:
    """A request whose body is bytes no JSON encoder writes (too deep, or not valid JSON)."""

    method: str
    path: str
    body: bytes
    kind: str


@dataclass(frozen=True)
class Answer:
    """A requests.Response shaped as check_error_envelope reads schemathesis's."""

    status_code: int
    headers: dict[str, list[str]]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


PLACEHOLDER = "\u2603odd\u2603"


@st.composite
def odd_request(draw: st.DrawFn, case: Any, path: str, has_body: bool) -> Any:
    """The generated case with its path ids or query values made odd, or a raw body in its
    place: deep JSON (whole or cut short), or a string holding what no client means."""
    kinds = ["path"] * ("{" in path) + ["query"] * bool(case.query)
    kinds += ["deep", "deep_truncated", "odd_string"] * has_body
    kind = draw(st.sampled_from(kinds or ["path"]))
    if kind in ("path", "query"):
        target = case.path_parameters if kind == "path" else case.query
        for name in target or {}:
            target[name] = draw(ODD_ID)
        return case
    field = draw(st.integers(0, 20))
    template = json.dumps(with_placeholder(case.body, PLACEHOLDER, field)).encode()
    quoted = json.dumps(PLACEHOLDER).encode()
    if kind == "odd_string":
        odd = draw(ODD_STRING_LITERALS)
    else:
        odd = draw(deep_json())[2].encode()
        odd = draw(truncated(odd.decode())).encode() if kind == "deep_truncated" else odd
    return RawRequest(case.method, case.formatted_path, template.replace(quoted, odd), kind)


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
    has_body = "requestBody" in SCHEMA_DICT["paths"][path][method]
    odd = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).flatmap(
        lambda case: odd_request(case, path, has_body)
    )
    return st.one_of([*strategies, odd.map(lambda request: (request, True))]).map(
        lambda drawn: drawn if isinstance(drawn, tuple) else (drawn, False)
    )


def send_raw(session: requests.Session, base: str, request: RawRequest, headers: dict) -> Answer:
    response = session.request(
        request.method,
        base + request.path,
        data=request.body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=60,
    )
    content_type = response.headers.get("content-type", "")
    return Answer(response.status_code, {"content-type": [content_type]}, response.text)


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
    @given(drawn=operation_cases(path, method, real_ids))
    def request_is_answered_cleanly(drawn: tuple[Any, bool]) -> None:
        case, odd = drawn
        if isinstance(case, RawRequest):
            ODD_FIGURES[case.kind] += 1
            note(f"raw {case.method} {case.path} {case.body!r}")
            answer = send_raw(session, base, case, api.headers())
            FIGURES[f"{answer.status_code // 100}xx"] += 1
            check_error_envelope(answer)
            return
        response = case.call(base_url=base, session=session, headers=api.headers(), timeout=60)
        FIGURES[f"{response.status_code // 100}xx"] += 1
        check_error_envelope(response)
        if odd:  # odd ids and query values: any clean answer will do
            ODD_FIGURES["odd_ids"] += 1
        elif case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE:
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

    request_is_answered_cleanly()
    report_figures(
        "api",
        {
            "requests": sum(FIGURES.values()),
            "by_class": dict(FIGURES),
            "odd_by_kind": dict(ODD_FIGURES),
        },
    )


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


@pytest.mark.parametrize(
    "literal", [b'"\\ud800"', b'"\\udfff x"', b'"a\\u0000b"', b'"a\x00b"', b'"\xed\xa0\x80"']
)
@pytest.mark.parametrize("field", [b"name", b"description", b"concurrentCardUse"])
def test_a_network_text_holding_a_lone_surrogate_or_nul_gets_the_error_envelope(
    daphne_server: str, api: Api, literal: bytes, field: bytes
) -> None:
    """Found by the raw-body strategy: a lone surrogate (a JSON escape) in an enum field is
    echoed by its "is not a valid choice" message, and rendering that answer failed with
    UnicodeEncodeError: a 500 (not fixed here; reported)."""
    body = b'{"name": "n", "' + field + b'": ' + literal + b"}"
    request = RawRequest("POST", "/asset-management/v1/networks", body, "")
    answer = send_raw(requests.Session(), f"http://{daphne_server}", request, api.headers())
    check_error_envelope(answer)
    assert answer.status_code == 400, answer.text[:300]


@pytest.mark.parametrize("token_id", ["200336073852883599360", str(2**63)])
def test_a_token_id_beyond_64_bits_in_the_sessions_query_gets_the_error_envelope(
    api: Api, token_id: str
) -> None:
    """Found by the schema-driven generation on SQLite: the id reached the query unbounded and
    SQLite raised OverflowError ("Python int too large to convert to SQLite INTEGER"): a 500
    (not fixed here; reported)."""
    response = api.get(f"/sessions?tokenId={token_id}")
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert response.json()["error"]["code"], response.text[:300]
