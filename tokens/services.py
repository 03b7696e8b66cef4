"""Writes to id tokens."""

from tokens.models import IdToken, TokenStatus


def token_upsert(
    *, id_token: str, status: str = TokenStatus.ACCEPTED, group_id: str = ""
) -> IdToken:
    """Create the token, or set its status and group id if it exists."""
    token, _ = IdToken.objects.update_or_create(
        id_token=id_token, defaults={"status": status, "group_id": group_id}
    )
    return token
