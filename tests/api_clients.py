"""Real OAuth2 clients and tokens, obtained from the running server's token endpoint."""

from dataclasses import dataclass
from typing import Any

import requests

from api.services import api_client_create


@dataclass
class Api:
    """A REST client of a running server, holding a bearer token."""

    base: str
    token: str | None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return requests.post(
            f"{self.base}{path}", json=body, headers=self.headers(), timeout=60, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.headers(), timeout=60, **kwargs)

    def patch(self, path: str, body: Any = None) -> requests.Response:
        return requests.patch(f"{self.base}{path}", json=body, headers=self.headers(), timeout=60)

    def delete(self, path: str) -> requests.Response:
        return requests.delete(f"{self.base}{path}", headers=self.headers(), timeout=60)


def fetch_token(
    base: str, client_id: str, secret: str, scope: str | None = None
) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        form["scope"] = scope
    return requests.post(f"{base}/oauth/token", data=form, timeout=30)


def api_for(address: str, scopes: str, networks: list[str] | None = None) -> Api:
    """Create an API client with `scopes` (and network restriction) and log it in."""
    base = f"http://{address}"
    client, secret = api_client_create(
        name="test client", scopes=scopes.split(), network_names=networks or []
    )
    response = fetch_token(base, client.client_id, secret)
    assert response.status_code == 200, response.text
    return Api(base, response.json()["access_token"])
