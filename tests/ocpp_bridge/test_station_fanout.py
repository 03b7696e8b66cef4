"""The station fan-out: every listener hears each event after commit, and a failing one is
logged without breaking the publisher or the others."""

import logging
from typing import Any

import pytest
from django.db import transaction

from ocpp_bridge.station_fanout import Fanout


def test_every_listener_hears_the_event_in_the_order_it_subscribed() -> None:
    fanout: Fanout[str] = Fanout("test")
    heard: list[tuple[str, str]] = []
    fanout.subscribe(lambda event: heard.append(("first", event)))
    fanout.subscribe(lambda event: heard.append(("second", event)))

    fanout.publish("booted")

    assert heard == [("first", "booted"), ("second", "booted")]


def test_a_listener_subscribed_twice_hears_each_event_once() -> None:
    fanout: Fanout[str] = Fanout("test")
    heard: list[str] = []
    fanout.subscribe(heard.append)
    fanout.subscribe(heard.append)

    fanout.publish("booted")

    assert heard == ["booted"]


def test_an_unsubscribed_listener_hears_nothing_more() -> None:
    fanout: Fanout[str] = Fanout("test")
    heard: list[str] = []
    fanout.subscribe(heard.append)
    fanout.unsubscribe(heard.append)

    fanout.publish("booted")

    assert heard == []


def test_a_failing_listener_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fanout: Fanout[str] = Fanout("test")
    heard: list[str] = []

    def broken(event: str) -> None:
        raise RuntimeError("listener down")

    fanout.subscribe(broken)
    fanout.subscribe(heard.append)

    with caplog.at_level(logging.WARNING, logger="ocpp_bridge.station_fanout"):
        fanout.publish("booted")  # does not raise

    assert heard == ["booted"]
    assert "A listener of test failed" in caplog.text and "listener down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_listeners_hear_after_commit_and_never_of_a_rollback() -> None:
    fanout: Fanout[str] = Fanout("test")
    heard: list[Any] = []
    fanout.subscribe(heard.append)

    with transaction.atomic():
        fanout.publish_on_commit("committed")
        assert heard == []
    with pytest.raises(RuntimeError), transaction.atomic():
        fanout.publish_on_commit("rolled back")
        raise RuntimeError

    assert heard == ["committed"]
