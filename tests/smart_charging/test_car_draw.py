"""What a car's measured draw says about what it wants (smart_charging.car_draw)."""

from smart_charging.car_draw import (
    UNBOUNDED,
    cap_binds,
    car_wants,
    draw_changes_share,
    total_power,
)


def test_a_car_drawing_well_under_its_share_wants_its_draw_and_a_margin() -> None:
    assert car_wants(6.0, limit=10.0, capped_at=None) == 7.0
    assert car_wants(9.5, limit=10.0, capped_at=None) == UNBOUNDED


def test_a_capped_car_keeps_its_cap_while_it_draws_about_the_same() -> None:
    # 5.7 of 6.9 A is 83 %: judged as a car given its share it would look near its limit.
    for drawn in (5.7, 5.85, 6.0):
        assert car_wants(drawn, limit=6.9, capped_at=6.95) == 6.95
        assert not draw_changes_share(drawn, limit=6.9, capped_at=6.95, minimum=6.0)


def test_a_capped_car_growing_into_its_margin_wants_more_and_asks_a_rebalance() -> None:
    assert car_wants(6.5, limit=6.9, capped_at=6.95) == UNBOUNDED
    assert draw_changes_share(6.5, limit=6.9, capped_at=6.95, minimum=6.0)


def test_a_capped_car_drawing_far_less_again_is_capped_lower() -> None:
    assert car_wants(3.0, limit=6.9, capped_at=6.95) == 4.0


def test_a_car_under_the_minimum_already_held_at_it_asks_nothing() -> None:
    assert car_wants(4.0, limit=6.0, capped_at=None) == 5.0
    assert not draw_changes_share(4.0, limit=6.0, capped_at=None, minimum=6.0)
    assert draw_changes_share(4.0, limit=10.0, capped_at=None, minimum=6.0)


def test_a_car_given_its_share_asks_nothing_while_it_takes_it() -> None:
    assert not draw_changes_share(9.6, limit=10.0, capped_at=None, minimum=6.0)


def test_the_cap_is_remembered_only_where_it_set_the_limit() -> None:
    assert cap_binds(6.95, 6.9, resolution=0.1) == 6.95
    assert cap_binds(7.5, 6.0, resolution=0.1) is None  # a smaller share set it
    assert cap_binds(UNBOUNDED, 10.0, resolution=0.1) is None


def test_the_total_power_is_the_phaseless_value_else_the_sum_of_the_phases() -> None:
    assert total_power([("L1", 1380.0), ("", 4140.0)]) == 4140.0
    assert total_power([("L1", 1380.0), ("L2", 1380.0), ("L3-N", 1380.0)]) == 4140.0
    assert total_power([]) is None
