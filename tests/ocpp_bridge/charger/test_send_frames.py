"""2.1 SEND frames: handled, logged, never answered, and no error noise in the log."""

import json
import logging

import pytest

from ocpp_bridge.models import Direction, OcppFrame
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

STREAM = {"id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z", "data": [{"t": 0, "v": "1"}]}


@pytest.fixture
def station_21(make_station) -> None:
    make_station("CP-21", protocol="ocpp2.1")


@pytest.mark.usefixtures("station_21")
async def test_a_send_frame_is_logged_unanswered_without_error_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    station = FakeStation("CP-21", "ocpp2.1")
    assert (await station.connect())[0]
    caplog.set_level(logging.INFO)
    await station.communicator.send_to(
        text_data=json.dumps([6, "s1", "NotifyPeriodicEventStream", STREAM])
    )
    heartbeat = await station.call("Heartbeat", {})  # answered after the SEND was handled
    await station.close()
    assert heartbeat[0] == 3
    frames = [f async for f in OcppFrame.objects.filter(message_id="s1")]
    assert [(f.direction, f.message_type, f.action, f.payload) for f in frames] == [
        (Direction.IN, 6, "NotifyPeriodicEventStream", STREAM)
    ]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
