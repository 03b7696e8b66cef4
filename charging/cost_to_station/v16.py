"""OCPP 1.6: RunningCost and FinalCost DataTransfers for stations that show them."""

from typing import Any

from django.utils import timezone

from charging.cost_to_station.california import (
    SUPPORT_KEY,
    final_cost_transfer,
    running_cost_transfer,
    support_said,
)
from charging.cost_to_station.calls import cost_call_queue
from charging.cost_to_station.pace import (
    final_cost_told,
    has_cost,
    running_cost_due,
    running_cost_told,
)
from charging.models import ChargingSession
from ocpp_bridge.models import CallState, OcppCall

# How many of the station's latest GetConfiguration answers are searched for the key: an
# operator's full reads and the CSMS's own question are rare, so the latest few say it.
RECENT_ANSWERS = 10


def running_cost_tell_v16(*, asset_id: Any, session: ChargingSession | None) -> None:
    """After MeterValues: send the running cost when it is due and the station shows it; ask
    the station whether it does when it never said (its answer serves the next time).

    Call it inside the message's transaction with the session the readings were applied to
    (still locked by it), None when they belong to none.
    """
    now = timezone.now()
    if session is None or not running_cost_due(session, now=now):
        return
    running_cost_told(session, now=now)
    shows = station_shows_cost_v16(asset_id=asset_id)
    if shows is None:
        cost_call_queue(
            asset_id=asset_id, action="GetConfiguration", payload={"key": [SUPPORT_KEY]}
        )
    elif shows:
        cost_call_queue(
            asset_id=asset_id, action="DataTransfer", payload=running_cost_transfer(session)
        )


def final_cost_tell_v16(*, asset_id: Any, session: ChargingSession | None) -> None:
    """After StopTransaction: send the final cost once, when the station shows it.

    Call it inside the message's transaction with the session the stop was applied to (still
    locked by it), None for an unknown transaction.
    """
    if session is None or not session.station_stopped or session.final_cost_told_at:
        return
    if not has_cost(session) or not station_shows_cost_v16(asset_id=asset_id):
        return
    final_cost_told(session, now=timezone.now())
    cost_call_queue(asset_id=asset_id, action="DataTransfer", payload=final_cost_transfer(session))


def station_shows_cost_v16(*, asset_id: Any) -> bool | None:
    """Whether the station shows California pricing messages, from its latest answer to a
    GetConfiguration that mentions the key (whoever asked: the CSMS itself, an operator's
    raw request); None when it never said."""
    answers = (
        OcppCall.objects.filter(
            asset_id=asset_id, state=CallState.ANSWERED, action="GetConfiguration"
        )
        .order_by("-created_at")
        .values_list("response_payload", flat=True)[:RECENT_ANSWERS]
    )
    for answer in answers:
        said = support_said(answer)
        if said is not None:
            return said
    return None
