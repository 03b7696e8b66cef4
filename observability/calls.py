"""What CSMS-initiated calls count: sent (with the time they waited queued), and each final
state (with the time from sent to answered). Counted after the commit that moved the call,
so a transaction rolled back and handled again (group commit) counts once."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

from observability import metrics

# The final states a station's answer gives a call; the others are timeouts and failures.
ANSWER_STATES = frozenset({"answered", "error", "invalid_response"})


def calls_sent_on_commit(calls: Sequence[Any]) -> None:
    """Calls (with `action`, `created_at`, `sent_at`) just marked sent in this transaction."""
    sent = [(call.action, _seconds(call.created_at, call.sent_at)) for call in calls]
    transaction.on_commit(partial(_count_sent, sent))


def _count_sent(sent: Iterable[tuple[str, float | None]]) -> None:
    for action, waited in sent:
        metrics.ocpp_calls_sent.labels(action).inc()
        if waited is not None:
            metrics.ocpp_call_queued_seconds.labels(action).observe(waited)


Finished = tuple[str, str, datetime | None, datetime | None]


def calls_finished_on_commit(finished: Sequence[Finished]) -> None:
    """Calls moved to a final state in this transaction: (action, state, sent_at,
    completed_at)."""
    if finished:
        transaction.on_commit(partial(_count_finished, finished))


def _count_finished(finished: Iterable[Finished]) -> None:
    for action, state, sent_at, completed_at in finished:
        metrics.ocpp_calls_finished.labels(action, state).inc()
        took = _seconds(sent_at, completed_at)
        if state in ANSWER_STATES and took is not None:
            metrics.ocpp_call_answer_seconds.labels(action, state).observe(took)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())
