"""Final states of calls. Every transition is a conditional UPDATE, so states only move
forward even when a late answer, a timeout and a disconnect race each other."""

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from observability.calls import Finished, calls_finished_on_commit
from ocpp_bridge import station_fanout
from ocpp_bridge.calls.waiting import notify_waiter
from ocpp_bridge.models import CallState, OcppCall
from ocpp_bridge.protocol.errors import OcppError
from ocpp_bridge.protocol.validation import UnknownActionError, validate_payload
from ocpp_bridge.protocol.versions import OcppVersion
from ocpp_bridge.statements import OUTSTANDING_CALLS, answer_store

logger = logging.getLogger(__name__)


def _finish(calls: Q, from_states: Iterable[str], **values: Any) -> list[OcppCall]:
    """Move the matching calls still in `from_states` to a final state; returns those moved.

    One conditional UPDATE does the move: PostgreSQL re-checks the state of a row that another
    transaction changed meanwhile, so of two finishers racing for a call exactly one moves it.
    The moved calls are then read back by the completion time this UPDATE wrote (final states
    never change again): fewer statements than locking the rows first (docs/PERFORMANCE.md,
    fix 13).
    """
    completed_at = timezone.now()
    moved_count = OcppCall.objects.filter(calls, state__in=list(from_states)).update(
        completed_at=completed_at, **values
    )
    if not moved_count:
        return []
    moved = list(OcppCall.objects.filter(calls, state=values["state"], completed_at=completed_at))
    calls_finished_on_commit([(c.action, c.state, c.sent_at, c.completed_at) for c in moved])
    _finished_publish([(c.asset_id, c.pk, c.action, str(c.state)) for c in moved])
    for call in moved:
        if call.reply_channel:
            transaction.on_commit(functools.partial(_notify, call.reply_channel))
    return moved


def _notify(channel: str) -> None:
    try:
        notify_waiter(channel)
    except Exception:  # the waiter also polls: a lost wake-up only delays its answer
        logger.warning("Could not notify waiter on %s", channel, exc_info=True)


@dataclass(frozen=True)
class StationAnswer:
    """A station's answer (CALLRESULT or CALLERROR) to one of our calls, and the final state
    with the fields it gives the call."""

    asset_id: Any
    message_id: str
    outcome: dict[str, Any]


@dataclass(frozen=True)
class AnsweredCall:
    """The call an answer was stored for; `invalid` says what was wrong with a CALLRESULT
    outside the action's response schema (the call is then `invalid_response`)."""

    id: Any
    action: str
    invalid: OcppError | None = None


def result_answer(*, asset_id: Any, message_id: str, payload: dict[str, Any]) -> StationAnswer:
    return StationAnswer(
        asset_id, message_id, {"state": CallState.ANSWERED, "response_payload": payload}
    )


def error_answer(
    *, asset_id: Any, message_id: str, code: str, description: str, details: dict[str, Any]
) -> StationAnswer:
    return StationAnswer(
        asset_id,
        message_id,
        {
            "state": CallState.ERROR,
            "error_code": code[:50],
            "error_description": description,
            "error_details": details,
        },
    )


def ocpp_calls_record_answers(answers: Sequence[StationAnswer]) -> list[AnsweredCall | None]:
    """Store the answers of several stations to their outstanding calls; returns, in order,
    the call each answer was stored for, or None where no call was waiting for it (a late
    answer after a timeout keeps the timed_out state).

    One read finds the outstanding calls of all the stations (a station has at most one), then
    one conditional UPDATE each moves a call still `sent`: of an answer, a timeout and a
    disconnect racing for a call exactly one moves it, with no row locked beforehand. Reading
    the calls back after a bulk UPDATE, as `_finish` does, was a measured share of daphne's CPU
    in the async benchmark (docs/PERFORMANCE.md, fix 22).
    """
    if not answers:
        return []
    outstanding = {
        (str(call.asset_id), call.message_id): call
        for call in OUTSTANDING_CALLS.rows(
            list({answer.asset_id: None for answer in answers}), CallState.SENT
        )
    }
    completed_at = timezone.now()
    stored: list[AnsweredCall | None] = []
    finished: list[Finished] = []
    published: list[tuple[Any, Any, str, str]] = []
    for answer in answers:
        call = outstanding.pop((str(answer.asset_id), answer.message_id), None)
        if call is None:
            stored.append(None)
            continue
        invalid = _response_violation(call, answer.outcome)
        outcome = answer.outcome if invalid is None else _invalid_outcome(answer.outcome, invalid)
        if not _store_answer(call.pk, outcome, completed_at):
            stored.append(None)  # timed out or failed meanwhile
            continue
        if call.reply_channel:
            transaction.on_commit(functools.partial(_notify, call.reply_channel))
        stored.append(AnsweredCall(call.pk, call.action, invalid))
        finished.append((call.action, outcome["state"], call.sent_at, completed_at))
        published.append((answer.asset_id, call.pk, call.action, str(outcome["state"])))
    calls_finished_on_commit(finished)
    _finished_publish(published)
    return stored


def _finished_publish(calls: list[tuple[Any, Any, str, str]]) -> None:
    """Tell the fan-out's listeners (the live UI) which calls ended, once this commits: one
    callback for the whole batch, and none when nothing ended."""
    if calls:
        station_fanout.calls_finished.publish_on_commit(
            [
                {"assetId": str(asset_id), "callId": str(call_id), "action": action, "state": state}
                for asset_id, call_id, action, state in calls
            ]
        )


def _response_violation(call: OcppCall, outcome: dict[str, Any]) -> OcppError | None:
    """What is wrong with a CALLRESULT's payload by the official response schema of the
    call's action and protocol (one schema check, as for a station's requests); None if
    nothing is, or if the answer is a CALLERROR."""
    if outcome["state"] != CallState.ANSWERED:
        return None
    try:
        validate_payload(
            OcppVersion(call.protocol), call.action, outcome["response_payload"], response=True
        )
    except OcppError as error:
        return error
    except (UnknownActionError, ValueError):
        return None  # no schema to check against (the call was checked when created)
    return None


def _invalid_outcome(outcome: dict[str, Any], invalid: OcppError) -> dict[str, Any]:
    """The fields of a call answered outside the schema: the station's payload kept for the
    operator, the schema's verdict in the error fields."""
    return {
        "state": CallState.INVALID_RESPONSE,
        "response_payload": outcome["response_payload"],
        "error_code": invalid.code.value,
        "error_description": invalid.description,
        "error_details": invalid.details,
    }


def _store_answer(call_id: Any, outcome: dict[str, Any], completed_at: datetime) -> bool:
    """Move the call from sent to the answer's final state with the answer's fields; False
    if it is no longer sent (one conditional UPDATE: see ocpp_calls_record_answers)."""
    store = answer_store((*outcome, "completed_at"))
    return bool(store.run([*outcome.values(), completed_at], call_id, CallState.SENT))


def ocpp_call_record_result(
    *, asset_id: Any, message_id: str, payload: dict[str, Any]
) -> AnsweredCall | None:
    """Store the station's CALLRESULT for its outstanding call; returns that call, or None if
    no call was waiting for it."""
    answer = result_answer(asset_id=asset_id, message_id=message_id, payload=payload)
    return ocpp_calls_record_answers([answer])[0]


def ocpp_call_record_error(
    *, asset_id: Any, message_id: str, code: str, description: str, details: dict[str, Any]
) -> AnsweredCall | None:
    """Store the station's CALLERROR for its outstanding call; returns it, as above."""
    answer = error_answer(
        asset_id=asset_id,
        message_id=message_id,
        code=code,
        description=description,
        details=details,
    )
    return ocpp_calls_record_answers([answer])[0]


def ocpp_call_expire(*, call_id: Any) -> bool:
    """Time a sent call out if its deadline has passed."""
    match = Q(pk=call_id, deadline_at__lte=timezone.now())
    return bool(_finish(match, [CallState.SENT], state=CallState.TIMED_OUT))


def ocpp_call_fail(*, call_id: Any, reason: str) -> bool:
    return bool(
        _finish(
            Q(pk=call_id),
            [CallState.QUEUED, CallState.SENT],
            state=CallState.FAILED,
            failure_reason=reason,
        )
    )


def ocpp_calls_fail_for_connection(
    *, connection_id: Any, reason: str = "station_disconnected"
) -> list[OcppCall]:
    """A connection closed (or its server process died): its outstanding call can never be
    answered."""
    return _finish(
        Q(connection_id=connection_id),
        [CallState.SENT],
        state=CallState.FAILED,
        failure_reason=reason,
    )


def ocpp_calls_fail_for_server(*, server_instance: str) -> list[OcppCall]:
    """A server process died: the calls sent through any of its connections can never be
    answered, including on connections already closed because the station reconnected to
    another process before the dead one was swept (its consumer died with it)."""
    return _finish(
        Q(connection__server_instance=server_instance),
        [CallState.SENT],
        state=CallState.FAILED,
        failure_reason="server_lost",
    )


def ocpp_calls_expire_overdue(*, grace_seconds: float = 5.0) -> list[OcppCall]:
    """Sweep: time out every sent call past its deadline (the consumer that would have timed
    it out may be gone with its process)."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    return _finish(Q(deadline_at__lte=cutoff), [CallState.SENT], state=CallState.TIMED_OUT)
