"""What the simulated stations of a panel recorded (station_simulator.charging_profiles): the
limits they hold now, and the most they ever held together."""

from typing import Any

Log = list[tuple[float, int, float | None]]


def held(stations: dict[str, Any]) -> dict[str, float | None]:
    """The limit each EVSE holds now, as ``identity/evse``."""
    return {
        f"{identity}/{connector}": limit
        for identity, station in stations.items()
        for connector, limit in station.profiles.held.items()
    }


def worst_total(logs: list[tuple[str, Log]]) -> float:
    """The largest sum of the limits held at any moment, over every station's record (a
    station that dropped holds its last limits until its next instance records anew)."""
    events = sorted(
        (at, identity, connector, limit or 0.0)
        for identity, log in logs
        for at, connector, limit in log
    )
    current: dict[tuple[str, int], float] = {}
    worst = 0.0
    for _, identity, connector, limit in events:
        current[(identity, connector)] = limit
        worst = max(worst, sum(current.values()))
    return worst
