"""An operator's schedule is checked before it is kept: each problem has its code."""

import pytest

from smart_charging.schedules import Period, ScheduleRefusedError, schedule_check, schedule_peak

EVENING = [Period(0, 32), Period(61_200, 16), Period(75_600, 32)]


def refusal(periods: list[Period], **kwargs: object) -> str:
    with pytest.raises(ScheduleRefusedError) as raised:
        schedule_check(periods, **kwargs)  # type: ignore[arg-type]
    return raised.value.code


def test_a_daily_evening_cut_is_a_valid_schedule_whose_peak_is_its_highest_period() -> None:
    schedule_check(EVENING, recurrency="Daily", station_max_periods=3)
    assert schedule_peak(EVENING) == 32


@pytest.mark.parametrize(
    ("periods", "kwargs", "code"),
    [
        ([Period(60, 16)], {}, "first_period_not_at_zero"),
        ([Period(0, 16), Period(600, 8), Period(600, 4)], {}, "periods_not_ascending"),
        ([Period(0, 16), Period(600, 8), Period(300, 4)], {}, "periods_not_ascending"),
        ([Period(0, 16), Period(86_400, 8)], {"recurrency": "Daily"}, "period_beyond_recurrence"),
        ([], {"recurrency": "Weekly"}, "recurrence_without_periods"),
        (EVENING, {"recurrency": "Monthly"}, "unknown_recurrency"),
        (EVENING, {"station_max_periods": 2}, "too_many_periods"),
    ],
)
def test_each_problem_is_named(periods: list[Period], kwargs: dict[str, object], code: str) -> None:
    assert refusal(periods, **kwargs) == code


def test_a_weekly_schedule_may_span_the_week() -> None:
    schedule_check([Period(0, 16), Period(6 * 86_400, 32)], recurrency="Weekly")


def test_too_many_periods_says_what_the_station_takes() -> None:
    with pytest.raises(ScheduleRefusedError) as raised:
        schedule_check(EVENING, station_max_periods=2)
    assert "at most 2" in raised.value.message
    assert raised.value.details == {"stationMaxPeriods": 2}


def test_no_limit_known_sends_any_number_of_periods() -> None:
    schedule_check([Period(i * 60, 16) for i in range(100)], station_max_periods=None)
