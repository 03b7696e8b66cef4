"""Times as the API and the stations read them: UTC, `Z`, four-digit years."""

from datetime import UTC, datetime, timedelta, timezone

from ocpp_bridge.api.presenters import iso, iso_precise


def test_times_are_utc_with_a_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2025, 3, 1, 11, 0, 5, 999_999, tzinfo=paris)) == "2025-03-01T10:00:05Z"
    assert iso_precise(datetime(2025, 3, 1, 10, 0, 5, 123_456, tzinfo=UTC)) == (
        "2025-03-01T10:00:05.123Z"
    )


def test_years_before_1000_keep_their_leading_zeros() -> None:
    # strftime("%Y") writes "70": not a date-time a client can parse.
    assert iso(datetime(70, 7, 7, 1, 2, 3, tzinfo=UTC)) == "0070-07-07T01:02:03Z"


def test_nothing_stays_nothing() -> None:
    assert iso(None) is None and iso_precise(None) is None
