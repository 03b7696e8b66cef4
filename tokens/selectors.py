"""Reads of id tokens: the Authorize decision, and what an API client may see."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from api.identifiers import is_decimal_id
from charging.models import ChargingSession, SessionStatus
from networks.models import ConcurrentCardUse, Network
from tokens.models import IdToken, TokenStatus
from tokens.statements import ACTIVE_ELSEWHERE, TOKEN_FOR_NETWORK

UNKNOWN = "Unknown"
CONCURRENT_TX = "ConcurrentTx"


@dataclass(frozen=True)
class Authorization:
    """The outcome of checking a token: an OCPP 2.x AuthorizationStatus value."""

    status: str
    group_id: str = ""
    expires_at: datetime | None = None
    # The stored token of that id, whatever the decision (None: none is stored), so that a
    # session started with it links to it without reading it again.
    token_id: Any = None

    @property
    def accepted(self) -> bool:
        return self.status == TokenStatus.ACCEPTED

    def status_for_v16(self) -> str:
        """1.6 has no Unknown: a token the CSMS does not know is Invalid there."""
        return TokenStatus.INVALID if self.status == UNKNOWN else self.status


def token_for_network(*, id_token: str, network_id: object | None) -> IdToken | None:
    """The token `id_token` as a station of `network_id` sees it: the one of that network, else
    the one without a network (valid on every network); another network's is never found."""
    if not id_token:
        return None
    return TOKEN_FOR_NETWORK.first(id_token, network_id)


def token_at_asset(*, id_token: str, asset_id: Any) -> IdToken | None:
    """token_for_network for the station `asset_id`, when its network is not at hand (the
    reads that link a session to its token, off the Authorize hot path)."""
    if not id_token:
        return None
    tokens = IdToken.objects.filter(id_token=id_token)
    tokens = tokens.filter(Q(network__assets__pk=asset_id) | Q(network__isnull=True))
    return tokens.order_by(F("network_id").asc(nulls_last=True)).first()


def token_authorize(*, id_token: str, network_id: object | None = None) -> Authorization:
    """Decide whether `id_token` may charge at a station of `network_id`: the status and
    expiry of its token there (token_for_network), Unknown if none. Does not check concurrent
    sessions; see token_authorize_start."""
    token = token_for_network(id_token=id_token, network_id=network_id)
    if token is None:
        return Authorization(UNKNOWN)
    status = token.status
    if status == TokenStatus.ACCEPTED and token.expires_at and token.expires_at <= timezone.now():
        status = TokenStatus.EXPIRED
    return Authorization(status, token.group_id, token.expires_at, token.pk)


def token_authorize_start(
    *,
    id_token: str,
    network_id: object | None = None,
    asset_id: Any,
    evse_id: int,
) -> Authorization:
    """token_authorize, and ConcurrentTx when the token already has an active session elsewhere
    and the station's network refuses concurrent use (the default).

    A session of the token on the EVSE starting now (`asset_id`, `evse_id`) does not count: a
    repeated StartTransaction must get the first answer again, and a session the station lost
    in a reboot is closed by this start rather than blocking the driver's new one.
    """
    authorization = token_authorize(id_token=id_token, network_id=network_id)
    if not authorization.accepted:
        return authorization
    token_id = authorization.token_id
    if ACTIVE_ELSEWHERE.first(token_id, SessionStatus.ACTIVE, asset_id, evse_id) is None:
        return authorization
    return _concurrent_use_decided(authorization, network_id=network_id)


def token_authorize_transaction(
    *, id_token: str, network_id: object | None = None, session: ChargingSession
) -> Authorization:
    """token_authorize_start for the token of a running 2.x transaction (`session`): another
    active session of the token counts unless it is this one or on the same EVSE."""
    authorization = token_authorize(id_token=id_token, network_id=network_id)
    if not authorization.accepted:
        return authorization
    # The same stored token (not the same value: another network's card may share it).
    others = ChargingSession.objects.filter(
        token_id=authorization.token_id, status=SessionStatus.ACTIVE
    )
    others = others.exclude(pk=session.pk)
    if session.evse_id is not None:
        others = others.exclude(asset_id=session.asset_id, evse_id=session.evse_id)
    if not others.exists():
        return authorization
    return _concurrent_use_decided(authorization, network_id=network_id)


def _concurrent_use_decided(authorization: Authorization, *, network_id: Any) -> Authorization:
    """The answer for a token charging elsewhere, as the network says (read only then: the
    usual start pays nothing for it)."""
    policy = Network.objects.filter(pk=network_id).values_list("concurrent_card_use", flat=True)
    if policy.first() == ConcurrentCardUse.ALLOW:
        return authorization
    return Authorization(
        CONCURRENT_TX, authorization.group_id, authorization.expires_at, authorization.token_id
    )


def tokens_visible(*, network_ids: Collection[Any] | None) -> QuerySet[IdToken]:
    """Every token when unrestricted (None); else only the tokens of `network_ids`. Tokens
    without a network are valid on every network, so only unrestricted clients see them."""
    tokens = IdToken.objects.all()
    return tokens if network_ids is None else tokens.filter(network_id__in=network_ids)


def token_list(
    *,
    network_ids: Collection[Any] | None,
    status: str | None = None,
    network_id: Any = None,
    group_id: str | None = None,
    id_token: str | None = None,
) -> QuerySet[IdToken]:
    tokens = tokens_visible(network_ids=network_ids)
    if status:
        tokens = tokens.filter(status=status)
    if network_id is not None:
        tokens = tokens.filter(network_id=network_id)
    if group_id:
        tokens = tokens.filter(group_id=group_id)
    if id_token:
        tokens = tokens.filter(id_token=id_token)
    return tokens


def token_visible_get(*, network_ids: Collection[Any] | None, token_id: str) -> IdToken | None:
    if not is_decimal_id(token_id):
        return None
    return tokens_visible(network_ids=network_ids).filter(pk=int(token_id)).first()
