"""The embedded setup's beat: each entry of the schedule runs at the first tick, again once
its interval has passed, never twice at once; schedules other than intervals are left out."""

import threading
from datetime import timedelta

from celery.schedules import crontab

from csms.embedded_beat import EmbeddedBeat

RAN: list[str] = []
RELEASE = threading.Event()
STARTED = threading.Event()


def record() -> None:
    RAN.append("record")


def block_until_released() -> None:
    STARTED.set()
    RELEASE.wait(10)


SCHEDULE = {
    "often": {"task": "tests.test_embedded_beat.record", "schedule": 10.0},
    "daily": {"task": "tests.test_embedded_beat.record", "schedule": timedelta(days=1)},
    "cron": {"task": "tests.test_embedded_beat.record", "schedule": crontab(minute=0)},
}


def test_entries_are_due_at_the_first_tick_then_after_their_interval() -> None:
    beat = EmbeddedBeat(SCHEDULE)
    assert beat.due(1000.0) == ["often", "daily"]
    beat._running.clear()  # as if both had finished at once
    assert beat.due(1009.0) == []
    assert beat.due(1010.0) == ["often"]


def test_an_entry_still_running_is_not_started_again() -> None:
    beat = EmbeddedBeat(SCHEDULE)
    assert "often" in beat.due(0.0)
    assert beat.due(60.0) == []  # neither finished yet


def test_tick_runs_the_task_in_the_background() -> None:
    RAN.clear()
    beat = EmbeddedBeat({"often": SCHEDULE["often"]})
    beat.tick()
    assert beat._pool is not None
    beat._pool.shutdown(wait=True)
    assert RAN == ["record"]
    assert beat.due(0.0) == []  # it just ran (monotonic time is far past 0)


def test_a_task_running_long_holds_back_only_its_own_entry() -> None:
    beat = EmbeddedBeat(
        {
            "slow": {"task": "tests.test_embedded_beat.block_until_released", "schedule": 0.0},
            "quick": {"task": "tests.test_embedded_beat.record", "schedule": 0.0},
        }
    )
    beat.tick()
    assert STARTED.wait(10)
    assert beat.due(float("inf")) == ["quick"]
    RELEASE.set()
