"""A card charging in two places at once although its network refuses concurrent use.

A start is checked against the token's other active sessions without a lock
(tokens.selectors.token_authorize_start): two starts of one card at two stations, answered at
the same moment by two processes or two group commits, each see none and both are accepted.
Locking the token there would order locks across the stations of different group commits,
and a deadlock on the charger path is worse than the race. So the rule is also enforced
afterwards: a beat job finds tokens active on more than one EVSE, keeps the session the CSMS
opened first and aborts each later one whose station's network refuses concurrent use, asking
its station to stop (RemoteStopTransaction / RequestStopTransaction). The station's own stop,
when it comes, still completes the aborted session's meter stop, energy and cost.
"""

import logging
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from charging.lifecycle import session_close
from charging.models import ChargingSession, SessionStatus
from charging.services import station_stop_request
from networks.models import ConcurrentCardUse

logger = logging.getLogger(__name__)

# The stop reason of a session aborted for its card charging elsewhere (the refusal a start
# gets in that case is idTagInfo / idTokenInfo ConcurrentTx).
CONCURRENT_STOP_REASON = "ConcurrentTx"
# Tokens looked at per beat at most; more wait for the next beat.
TOKENS_PER_SWEEP = 200


def cards_charging_twice_resolve() -> int:
    """Abort the later sessions of every card active on more than one EVSE whose network
    refuses it; returns how many were aborted. Idempotent; each abort in its own short
    transaction holding one session's lock, so it cannot take part in a deadlock."""
    twice = (
        ChargingSession.objects.filter(status=SessionStatus.ACTIVE, token__isnull=False)
        .values("token_id")
        .annotate(active=Count("id"))
        .filter(active__gt=1)
        .order_by("token_id")
        .values_list("token_id", flat=True)
    )
    return sum(_token_resolve(token_id) for token_id in list(twice[:TOKENS_PER_SWEEP]))


def _token_resolve(token_id: Any) -> int:
    sessions = list(
        ChargingSession.objects.filter(token_id=token_id, status=SessionStatus.ACTIVE)
        .select_related("asset__network")
        .order_by("id")  # the order the CSMS opened them in; station clocks may lie
    )
    first, aborted = sessions[0], 0
    for later in sessions[1:]:
        # The same EVSE is one place: a start there closes the one before it, no abort needed.
        same_evse = later.evse_id is not None and (later.asset_id, later.evse_id) == (
            first.asset_id,
            first.evse_id,
        )
        network = later.asset.network
        allowed = network is not None and network.concurrent_card_use == ConcurrentCardUse.ALLOW
        if not same_evse and not allowed and _abort(later.pk):
            aborted += 1
    return aborted


def _abort(session_id: Any) -> bool:
    """Abort the session if still active; False when it ended meanwhile."""
    with transaction.atomic():
        session = (
            ChargingSession.objects.select_for_update(of=("self",))
            .select_related("asset")
            .filter(pk=session_id, status=SessionStatus.ACTIVE)
            .first()
        )
        if session is None:
            return False
        station_stop_request(session.asset, session, requested_by=None, source="concurrent_use")
        session_close(
            session, at=timezone.now(), reason=CONCURRENT_STOP_REASON, status=SessionStatus.ABORTED
        )
    logger.warning(
        "Session %s aborted: its card was charging elsewhere when it started", session_id
    )
    return True
