"""Pricing: Decimal arithmetic, one rounding, idle time after charging."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from charging.costs import Prices, idle_seconds, sequence_complete, session_cost

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def cost(prices: Prices, *, wh: str = "0", seconds: int = 0, idle: int = 0) -> Decimal:
    return session_cost(
        prices=prices,
        energy_wh=Decimal(wh),
        duration_seconds=Decimal(seconds),
        idle_seconds=Decimal(idle),
    )


def test_energy_is_priced_per_kwh() -> None:
    assert cost(Prices("USD", per_kwh=Decimal("0.35")), wh="12250") == Decimal("4.29")


def test_time_is_priced_per_hour_in_exact_fractions() -> None:
    assert cost(Prices("USD", per_hour=Decimal("1.20")), seconds=1800) == Decimal("0.60")
    assert cost(Prices("USD", per_hour=Decimal("1")), seconds=1) == Decimal("0.00")


def test_all_parts_add_up_and_are_rounded_once_half_up() -> None:
    prices = Prices(
        "EUR", per_kwh=Decimal("0.3333"), per_hour=Decimal("0.5"), flat_fee=Decimal("1.005")
    )
    # 0.3333 * 7.5 = 2.49975; 0.5 * 1.5 = 0.75; + 1.005 = 4.25475 -> 4.25
    assert cost(prices, wh="7500", seconds=5400) == Decimal("4.25")
    # Rounding each part first would give 2.50 + 0.75 + 1.01 = 4.26.


def test_half_a_cent_rounds_up() -> None:
    assert cost(Prices("USD", flat_fee=Decimal("0.125"))) == Decimal("0.13")


def test_a_rate_without_prices_costs_nothing() -> None:
    assert cost(Prices("USD"), wh="50000", seconds=7200, idle=600) == Decimal("0.00")


def test_idle_minutes_are_billed_instead_of_hours() -> None:
    prices = Prices("USD", per_hour=Decimal("6"), idle_per_minute=Decimal("0.40"))
    # One hour in all, 15 minutes of it idle: 45 min at 6/h = 4.50, 15 min at 0.40 = 6.00.
    assert cost(prices, seconds=3600, idle=900) == Decimal("10.50")


def test_idle_time_never_exceeds_the_session() -> None:
    prices = Prices("USD", idle_per_minute=Decimal("1"))
    assert cost(prices, seconds=60, idle=600) == Decimal("1.00")


def test_negative_energy_from_a_replaced_meter_costs_nothing() -> None:
    assert cost(Prices("USD", per_kwh=Decimal("1")), wh="-500") == Decimal("0.00")


def test_idle_is_the_time_in_idle_states_after_the_last_charging() -> None:
    states = [
        (at(0), "EVConnected"),  # before charging: not idle
        (at(5), "Charging"),
        (at(30), "SuspendedEV"),  # a pause the car resumes from: not idle
        (at(35), "Charging"),
        (at(60), "SuspendedEV"),
        (at(70), "SuspendedEVSE"),  # the station's own pause is never billed
        (at(75), "EVConnected"),
    ]
    assert idle_seconds(states=states, until=at(90)) == Decimal(10 * 60 + 15 * 60)


def test_idle_is_computed_from_states_in_any_order_and_ends_at_until() -> None:
    states = [(at(40), "Idle"), (at(0), "Charging"), (at(120), "Charging")]
    # The change at 120 min happened after the session ended at 60: ignored.
    assert idle_seconds(states=states, until=at(60)) == Decimal(20 * 60)


def test_a_session_that_never_charged_has_no_idle_time() -> None:
    assert idle_seconds(states=[(at(0), "EVConnected")], until=at(60)) == Decimal(0)
    assert idle_seconds(states=[], until=at(60)) == Decimal(0)


def test_a_sequence_is_complete_without_gaps() -> None:
    assert sequence_complete([0, 1, 2])
    assert sequence_complete([4, 5])
    assert not sequence_complete([0, 2])
    assert not sequence_complete([])
