"""The admin's frame and call lists: searches on indexed columns only, saying what is not
searchable; browsing by time; counts estimated, never read in full, once a list is large."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ocpp_bridge import admin_lists
from ocpp_bridge.models import OcppFrame
from tests.servers import unavailable

pytestmark = pytest.mark.django_db
FRAMES = "/admin/ocpp_bridge/ocppframe/"


@pytest.fixture
def frames(make_station) -> list[OcppFrame]:
    one, two = make_station("CP-1"), make_station("CP-2")
    made = [
        OcppFrame.objects.create(asset=one, direction="in", action="Heartbeat", message_id="h1"),
        OcppFrame.objects.create(asset=two, direction="in", action="Authorize", message_id="a1"),
        OcppFrame.objects.create(asset=two, direction="out", message_type=3, message_id="a1"),
    ]
    OcppFrame.objects.filter(pk=made[0].pk).update(created_at=timezone.now() - timedelta(days=2))
    return made


def listed(admin_client, **query: str) -> tuple[set[int], list[str]]:
    page = admin_client.get(FRAMES, query)
    assert page.status_code == 200
    shown = {frame.pk for frame in page.context["cl"].result_list}
    return shown, [str(message) for message in page.context["messages"]]


def test_a_search_finds_a_stations_an_actions_or_a_message_ids_frames(admin_client, frames):
    assert listed(admin_client, q="CP-2")[0] == {frames[1].pk, frames[2].pk}
    assert listed(admin_client, q="Heartbeat")[0] == {frames[0].pk}
    assert listed(admin_client, q="a1")[0] == {frames[1].pk, frames[2].pk}


def test_a_search_for_anything_else_says_what_is_not_searchable(admin_client, frames):
    shown, said = listed(admin_client, q="Heart")
    assert shown == set()
    assert any("not searchable" in message for message in said)


def test_browsing_by_time_shows_only_that_time(admin_client, frames):
    assert listed(admin_client, time="24h")[0] == {frames[1].pk, frames[2].pk}
    two_days_ago = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert listed(admin_client, time=two_days_ago)[0] == {frames[0].pk}


def test_a_large_list_is_counted_from_the_planners_estimate(admin_client, frames, monkeypatch):
    if connection.vendor != "postgresql":
        unavailable("an estimate needs PostgreSQL's planner (elsewhere lists are counted)")
    monkeypatch.setattr(admin_lists, "EXACT_COUNT_BELOW", 0)  # every list is "large"
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(FRAMES).status_code == 200
    frame_counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "ocppframe" in q["sql"]]
    assert frame_counts == []
    assert any(q["sql"].startswith("EXPLAIN") for q in queries)
