"""Writes to id tokens."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from tokens.models import IdToken, TokenStatus, TokenType

# What an operator may change on a token (the API's PATCH).
UPDATABLE_FIELDS = frozenset(
    {"id_token", "token_type", "status", "expires_at", "group_id", "network_id", "description"}
)


class TokenTakenError(Exception):
    """Another token of the same network (or, for a token without a network, another token
    without one) already has this idToken. The message names nothing: the caller gave the
    value, and which token holds it is not theirs to learn."""


def token_create(
    *,
    id_token: str,
    token_type: str = TokenType.ISO14443,
    status: str = TokenStatus.ACCEPTED,
    expires_at: datetime | None = None,
    group_id: str = "",
    network_id: Any = None,
    description: str = "",
) -> IdToken:
    """Create a token. Raises TokenTakenError when the idToken exists."""
    token = IdToken(
        id_token=id_token,
        token_type=token_type,
        status=status,
        expires_at=expires_at,
        group_id=group_id,
        network_id=network_id,
        description=description,
    )
    _save_unique(token)
    return token


def token_update(*, token: IdToken, changes: dict[str, Any]) -> IdToken:
    """Change the given fields (UPDATABLE_FIELDS). Raises TokenTakenError when the new idToken
    belongs to another token."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(token, name, value)
    _save_unique(token)
    return token


def _save_unique(token: IdToken) -> None:
    # No network: the tokens valid on every network.
    in_same = Q(network_id=token.network_id) if token.network_id else Q(network__isnull=True)
    same = IdToken.objects.filter(in_same, id_token=token.id_token)
    message = (
        "Another token of this network has this idToken."
        if token.network_id is not None
        else "Another token valid on every network has this idToken."
    )
    if same.exclude(pk=token.pk).exists():
        raise TokenTakenError(message)
    try:
        with transaction.atomic():
            token.save()
    except IntegrityError:  # the same value raced in from another request
        raise TokenTakenError(message) from None


def token_upsert(
    *, id_token: str, status: str = TokenStatus.ACCEPTED, group_id: str = ""
) -> IdToken:
    """Create the token without a network (valid on every network), or set its status and
    group id if it exists."""
    token, _ = IdToken.objects.update_or_create(
        id_token=id_token, network=None, defaults={"status": status, "group_id": group_id}
    )
    return token
