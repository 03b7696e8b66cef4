"""Label values come from closed sets: a station inventing actions adds no series."""

from observability import charger, metrics
from ocpp_bridge.protocol.errors import ErrorCode


def series_count() -> int:
    return sum(len(family.samples) for family in metrics.charger_messages.collect())


def test_made_up_actions_share_one_series() -> None:
    charger.message_refused("MadeUp-0", ErrorCode.NOT_IMPLEMENTED)
    before = series_count()
    for number in range(1, 100):
        charger.message_refused(f"MadeUp-{number}", ErrorCode.NOT_IMPLEMENTED)
    assert series_count() == before
    assert len([key for key in charger._series if "MadeUp" in str(key)]) == 0


def test_a_handled_action_has_its_own_series() -> None:
    charger.message_answered("Heartbeat")
    labels = {
        tuple(sample.labels.values())
        for family in metrics.charger_messages.collect()
        for sample in family.samples
    }
    assert ("Heartbeat", "result") in labels
