"""A bearer token in the query string is refused (it would be written to access logs), over
real HTTP on daphne."""

import pytest
import requests

from tests.api_clients import api_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ASSETS = "/asset-management/v1/assets"


def test_a_valid_token_in_the_query_string_is_refused_with_401_in_the_envelope(
    daphne_server: str,
) -> None:
    api = api_for(daphne_server, "read:asset")
    assert api.get(ASSETS).status_code == 200  # the same token in its header works
    response = requests.get(f"{api.base}{ASSETS}?access_token={api.token}", timeout=30)
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_token"
    assert "query string" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_the_query_string_is_refused_even_beside_a_valid_header(
    daphne_server: str,
) -> None:
    api = api_for(daphne_server, "read:asset")
    response = requests.get(
        f"{api.base}{ASSETS}?access_token={api.token}", headers=api.headers(), timeout=30
    )
    assert response.status_code == 401, response.text
