"""What the charger edge counts: connections, the messages stations send and how each was
answered, the CALLERRORs sent. Called from ocpp_bridge's charger path, which is measured hot
(bench/instructions.py messages): each count is one update of a cached series, and a group of
messages handled together is counted once per action (docs/OBSERVABILITY.md has the figures).
"""

from collections import Counter as Tally
from collections.abc import Iterable
from typing import Any

from observability import metrics
from ocpp_bridge.protocol.errors import ErrorCode

RESULT = "result"
CALLERROR = "callerror"
UNANSWERED = "unanswered"  # a 2.1 SEND
DROPPED = "dropped"  # unreadable, without even a message id to answer
UNREADABLE = "(unreadable)"  # no action could be read: unparsable or binary frames
OTHER = "(other)"  # an action no handler of any version knows

_known_actions: frozenset[str] = frozenset()
_series: dict[tuple[Any, ...], Any] = {}


def _action_label(action: str) -> str:
    """The action itself if the CSMS handles it in any version, else OTHER: a station
    inventing actions must not create series (nor entries in the cache below)."""
    global _known_actions
    if action in _known_actions or action == UNREADABLE:
        return action
    from ocpp_bridge.charger.handlers import HANDLERS  # filled when the charger path loads

    _known_actions = frozenset(known for _, known in HANDLERS)
    return action if action in _known_actions else OTHER


def _messages(action: str, outcome: str) -> Any:
    key = ("messages", _action_label(action), outcome)
    series = _series.get(key)
    if series is None:
        series = _series[key] = metrics.charger_messages.labels(key[1], outcome)
    return series


def _callerrors(code: ErrorCode) -> Any:
    key = ("callerrors", code)
    series = _series.get(key)
    if series is None:
        series = _series[key] = metrics.callerrors_sent.labels(code.value)
    return series


def message_answered(action: str, *, answered: bool = True) -> None:
    """A station's CALL answered with a CALLRESULT (or a SEND handled: never answered)."""
    _messages(action, RESULT if answered else UNANSWERED).inc()


def messages_answered(actions: Iterable[str]) -> None:
    """CALLs handled together (group commit), each answered with a CALLRESULT."""
    for action, count in Tally(actions).items():
        _messages(action, RESULT).inc(count)


def message_refused(action: str, code: ErrorCode) -> None:
    """A station's message answered with a CALLERROR of `code` (action "" if unreadable)."""
    _messages(action or UNREADABLE, CALLERROR).inc()
    _callerrors(code).inc()


def message_dropped() -> None:
    _messages(UNREADABLE, DROPPED).inc()


def station_connected(protocol: str) -> None:
    metrics.station_connects.labels(protocol).inc()


def station_disconnected(reason: str) -> None:
    metrics.station_disconnects.labels(reason).inc()


def handshake_refused(why: str) -> None:
    metrics.station_handshakes_refused.labels(why).inc()
