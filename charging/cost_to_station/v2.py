"""OCPP 2.0.1 and 2.1: the cost in the TransactionEvent answer, or in a CostUpdated call."""

from typing import Any

from django.utils import timezone

from charging.cost_to_station.calls import cost_call_queue
from charging.cost_to_station.pace import (
    final_cost_told,
    has_cost,
    running_cost_due,
    running_cost_told,
)
from charging.models import ChargingSession
from ocpp_bridge.protocol.versions import OcppVersion


def total_cost_answer(
    *, session: ChargingSession, version: OcppVersion, event_type: str, offline: bool
) -> dict[str, Any]:
    """The fields of the TransactionEventResponse that tell the station the session's cost.

    Ended: the final cost (I03), whenever the session has one. A live Updated event of a running
    session, once the running cost is due (I02): 2.1 takes it as `totalCost` in the answer;
    2.0.1 only allows that field once charging has ended, so it gets a CostUpdated call. An
    offline-queued event is old news: the running cost waits for a live one.

    Call it inside the event's transaction, after the event was applied to `session`.
    """
    if not has_cost(session):
        return {}
    now = timezone.now()
    if event_type == "Ended":
        final_cost_told(session, now=now)
        return {"totalCost": _amount(session)}
    if event_type != "Updated" or offline or not running_cost_due(session, now=now):
        return {}
    running_cost_told(session, now=now)
    if version is OcppVersion.V201:
        cost_call_queue(
            asset_id=session.asset_id,
            action="CostUpdated",
            payload={"totalCost": _amount(session), "transactionId": session.transaction_id},
        )
        return {}
    return {"totalCost": _amount(session)}


def _amount(session: ChargingSession) -> float:
    # Rounded to the currency's minor unit already; as a float it prints back the same (2.4).
    return float(session.cost_amount or 0)
