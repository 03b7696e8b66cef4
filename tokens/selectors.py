"""Reads of id tokens: the Authorize decision."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from charging.models import ChargingSession, SessionStatus
from tokens.models import IdToken, TokenStatus

UNKNOWN = "Unknown"
CONCURRENT_TX = "ConcurrentTx"


@dataclass(frozen=True)
class Authorization:
    """The outcome of checking a token: an OCPP 2.x AuthorizationStatus value."""

    status: str
    group_id: str = ""
    expires_at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.status == TokenStatus.ACCEPTED

    def status_for_v16(self) -> str:
        """1.6 has no Unknown: a token the CSMS does not know is Invalid there."""
        return TokenStatus.INVALID if self.status == UNKNOWN else self.status


def token_authorize(*, id_token: str, network_id: object | None = None) -> Authorization:
    """Decide whether `id_token` may charge: its stored status, expiry, and (for a token of
    another network) Unknown. Does not check concurrent sessions; see token_authorize_start."""
    token = IdToken.objects.filter(id_token=id_token).first()
    if token is None or (token.network_id and network_id and token.network_id != network_id):
        return Authorization(UNKNOWN)
    status = token.status
    if status == TokenStatus.ACCEPTED and token.expires_at and token.expires_at <= timezone.now():
        status = TokenStatus.EXPIRED
    return Authorization(status, token.group_id, token.expires_at)


def token_authorize_start(*, id_token: str, network_id: object | None = None) -> Authorization:
    """token_authorize, and ConcurrentTx when the token already has an active session."""
    authorization = token_authorize(id_token=id_token, network_id=network_id)
    busy = ChargingSession.objects.filter(id_token=id_token, status=SessionStatus.ACTIVE).exists()
    if authorization.accepted and busy:
        return Authorization(CONCURRENT_TX, authorization.group_id, authorization.expires_at)
    return authorization
