"""Writes for API clients."""

from django.db import transaction
from oauth2_provider.generators import generate_client_secret

from api.models import ApiClient
from api.scope_catalogue import SCOPES
from networks.services import network_get_or_create


class UnknownScopeError(ValueError):
    pass


def api_client_create(
    *, name: str, scopes: list[str], network_names: list[str]
) -> tuple[ApiClient, str]:
    """Create a client-credentials application; returns it and its secret, which is stored
    hashed and cannot be read again. No `network_names`: the client is unrestricted (every
    network), said by its `unrestricted` flag."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise UnknownScopeError(f"Unknown scopes: {', '.join(unknown)}")
    secret = generate_client_secret()
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name,
            client_type=ApiClient.CLIENT_CONFIDENTIAL,
            authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            allowed_scopes=" ".join(sorted(set(scopes))),
            unrestricted=not network_names,
        )
        client.networks.set([network_get_or_create(name=n) for n in network_names])
    return client, secret
