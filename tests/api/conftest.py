import pytest

from tests.api_clients import Api, api_for

ALL_OCPP = "write:ocpp write:ocpp.raw_request"


@pytest.fixture
def client_with(daphne_server: str, transactional_db: None):
    """An API client of the running server with the given scopes (and network restriction)."""

    def make(scopes: str = ALL_OCPP, networks: list[str] | None = None) -> Api:
        return api_for(daphne_server, scopes, networks)

    return make
