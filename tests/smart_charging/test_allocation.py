"""The load manager's sharing: a pure function, checked on its own."""

import pytest

from smart_charging.allocation import Demand, allocate

THREE = frozenset({"L1", "L2", "L3"})
L1 = frozenset({"L1"})
PANEL_32 = {"L1": 32.0, "L2": 32.0, "L3": 32.0}


def three_phase(n: int, ceiling: float = 32.0) -> list[Demand]:
    return [Demand(i, THREE, ceiling, arrival=f"{i:03d}") for i in range(n)]


def test_equal_share_when_nothing_else_binds() -> None:
    limits = allocate(PANEL_32, three_phase(4), minimum=6)
    assert set(limits.values()) == {8.0}


def test_sessions_that_do_not_fit_at_the_minimum_wait_at_zero_in_arrival_order() -> None:
    limits = allocate(PANEL_32, three_phase(7), minimum=6)
    assert [limits[i] for i in range(7)] == [6.4] * 5 + [0.0, 0.0]


def test_a_car_drawing_less_leaves_its_rest_to_the_others() -> None:
    demands = [Demand("slow", THREE, 7.0, "1"), *three_phase(2)]
    limits = allocate(PANEL_32, demands, minimum=6)
    assert limits["slow"] == 7.0 and limits[0] == limits[1] == 12.5


def test_a_single_phase_station_takes_only_from_its_phase() -> None:
    demands = [Demand("one", L1, 32.0, "1"), *three_phase(1)]
    limits = allocate(PANEL_32, demands, minimum=6)
    assert limits == {"one": 16.0, 0: 16.0}


def test_priority_is_admitted_before_arrival() -> None:
    demands = [*three_phase(2), Demand("vip", THREE, 32.0, "999", priority=1)]
    limits = allocate({"L1": 13.0, "L2": 13.0, "L3": 13.0}, demands, minimum=6)
    assert limits["vip"] > 0 and limits[0] > 0 and limits[1] == 0


def test_the_station_maximum_caps_a_share() -> None:
    limits = allocate(PANEL_32, three_phase(2, ceiling=10.0), minimum=6)
    assert set(limits.values()) == {10.0}


@pytest.mark.parametrize("count", [1, 3, 5, 9, 20])
@pytest.mark.parametrize("capacity", [6.0, 16.5, 40.0, 63.0])
def test_no_phase_is_ever_overcommitted(count: int, capacity: float) -> None:
    demands = [
        Demand(i, [THREE, L1, frozenset({"L2"})][i % 3], 5.0 + 3 * i, f"{i:03d}")
        for i in range(count)
    ]
    panel = dict.fromkeys(("L1", "L2", "L3"), capacity)
    limits = allocate(panel, demands, minimum=6)
    for phase in panel:
        assert sum(limits[d.key] for d in demands if phase in d.phases) <= capacity + 1e-9
    assert all(value == 0 or value >= 6 for value in limits.values())
