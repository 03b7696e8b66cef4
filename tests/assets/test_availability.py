"""Availability from a known status history: up time over known time, with planned outages
and the time before the first known status left out."""

from datetime import UTC, datetime, timedelta

from assets.availability import StatusAt, availability

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = (T0, T0 + timedelta(hours=24))


def at(hours: float, status: str) -> StatusAt:
    return StatusAt(status, "", T0 + timedelta(hours=hours))


def hours(start: float, end: float) -> tuple[datetime, datetime]:
    return (T0 + timedelta(hours=start), T0 + timedelta(hours=end))


def test_up_time_over_the_whole_period() -> None:
    # Available 0-6, Charging 6-8, Faulted 8-12, Available 12-24: 20 h of 24 up.
    changes = [at(6, "Charging"), at(8, "Faulted"), at(12, "Available")]
    result = availability(before=at(-3, "Available"), changes=changes, planned=[], period=DAY)
    assert (result.up_seconds, result.known_seconds) == (20 * 3600, 24 * 3600)
    assert result.ratio == 20 / 24


def test_planned_outages_are_left_out_once_even_when_they_overlap() -> None:
    # Unavailable 8-12 for planned works (two overlapping entries): 24 h less 4 h known, all up.
    changes = [at(8, "Unavailable"), at(12, "Available")]
    planned = [hours(8, 11), hours(10, 12)]
    result = availability(before=at(-1, "Available"), changes=changes, planned=planned, period=DAY)
    assert (result.known_seconds, result.planned_seconds) == (20 * 3600, 4 * 3600)
    assert result.ratio == 1.0


def test_time_before_the_first_known_status_is_unknown() -> None:
    result = availability(before=None, changes=[at(18, "Available")], planned=[], period=DAY)
    assert (result.up_seconds, result.known_seconds) == (6 * 3600, 6 * 3600)


def test_nothing_known_has_no_ratio() -> None:
    assert availability(before=None, changes=[], planned=[], period=DAY).ratio is None


def test_offline_time_is_down_whatever_the_last_status_said() -> None:
    # Available all day by its reports, but offline 2-6 of which 4-6 planned: 2 h down of 22.
    result = availability(
        before=at(-1, "Available"),
        changes=[],
        planned=[hours(4, 6)],
        offline=[hours(2, 5), hours(3, 6)],
        period=DAY,
    )
    assert (result.up_seconds, result.known_seconds) == (20 * 3600, 22 * 3600)
