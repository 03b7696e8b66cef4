"""The load manager: what each session under a panel tree should be allowed, from the panels'
capacities, their stations and their sessions (smart_charging.allocation does the sharing,
over the resources of smart_charging.panel_tree).

A station the CSMS cannot reach keeps what it holds: its sessions count at the limit they
hold (at least its fallback, since it may start new ones at its TxDefault), and so does each
idle EVSE of any station, which may start a session at its fallback before the CSMS hears of
it. What remains is shared among the online sessions.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from assets.models import Connector
from charging.models import ChargingSession, MeterSample, SessionStatus
from ocpp_bridge.api.presenters import iso_precise
from smart_charging.allocation import Demand, allocate
from smart_charging.car_draw import (
    POWER,
    UNBOUNDED,
    car_wants,
    drawn_amps,
    power_watts,
    total_power,
)
from smart_charging.models import ChargingLimit, Panel, PanelStation, Purpose
from smart_charging.panel_tree import panel_tree, station_resources, tree_capacity


def settle() -> timedelta:
    """How long after a new limit is taken its car's readings start to tell what it wants
    (SMART_CHARGING_SETTLE_SECONDS): readings closer to a change may still show the draw
    under the limit before it (a station stamps and sends its readings late)."""
    return timedelta(seconds=settings.SMART_CHARGING_SETTLE_SECONDS)


@dataclass
class SessionShare:
    """An online session, the limit it holds now and the one it should get; `resources` are
    what it draws from (smart_charging.panel_tree)."""

    session: ChargingSession
    station: PanelStation
    limit: ChargingLimit | None
    held: float
    resources: frozenset[str] = frozenset()
    target: float = 0.0
    # What its car is seen to want (smart_charging.car_draw; UNBOUNDED: all it can get).
    wanted: float = UNBOUNDED


@dataclass
class PanelPlan:
    root: Panel
    # Per resource, once what offline stations and idle EVSEs may hold is set aside.
    available: dict[str, float]
    shares: list[SessionShare] = field(default_factory=list)


def held_amps(limit: ChargingLimit | None, station: PanelStation) -> float:
    """What a session may draw now: its transaction limit if the station may hold one, else
    its station's fallback (the TxDefault it starts under)."""
    committed = None if limit is None else limit.committed_amps
    return station.fallback_amps if committed is None else committed


def panel_plan(root: Panel) -> PanelPlan:
    """The targets for the online sessions under the root panel and every panel below it
    (each share's `target`)."""
    tree = panel_tree(root)
    stations = list(PanelStation.objects.filter(panel_id__in=tree).select_related("asset"))
    asset_ids = [s.asset_id for s in stations]
    capacity = tree_capacity(tree)
    reserved = dict.fromkeys(capacity, 0.0)
    sessions, limits, evses = (
        _active_sessions(asset_ids), _transaction_limits(asset_ids), _evses(asset_ids)
    )  # fmt: skip
    plan = PanelPlan(root, capacity)
    for station in stations:
        resources = station_resources(station, tree)
        own = [s for s in sessions if s.asset_id == station.asset_id]
        idle = evses.get(station.asset_id, set()) - {s.evse_id for s in own}
        _reserve(reserved, resources, station.fallback_amps * len(idle))
        online = station.asset.is_online and station.asset.current_connection_id is not None
        for session in own:
            limit = limits.get((session.asset_id, session.transaction_id))
            held = held_amps(limit, station)
            if online:
                plan.shares.append(SessionShare(session, station, limit, held, resources))
            else:
                _reserve(reserved, resources, max(held, station.fallback_amps))
    plan.available = {r: max(0.0, capacity[r] - reserved[r]) for r in capacity}
    demands = [_demand(share, tree[share.station.panel_id]) for share in plan.shares]
    targets = allocate(plan.available, demands, minimum=settings.SMART_CHARGING_MIN_AMPS)
    for share in plan.shares:
        share.target = targets[_key(share)]
    return plan


def _key(share: SessionShare) -> Hashable:
    return share.session.pk


def _demand(share: SessionShare, panel: Panel) -> Demand:
    station = share.station
    share.wanted = _wanted(share, panel.voltage)
    ceiling = min(station.max_amps, share.wanted, _ev_max(share.session))
    return Demand(
        key=_key(share),
        phases=share.resources,
        ceiling=ceiling,
        arrival=iso_precise(share.session.started_at) or "",
        priority=station.priority,
    )


def _wanted(share: SessionShare, voltage: int) -> float:
    """What the car is seen to want (smart_charging.car_draw) from its newest power reading
    taken at least settle() after its present limit was taken; UNBOUNDED without one."""
    limit = share.limit
    call = limit.call if limit is not None else None
    if limit is None or call is None or call.completed_at is None or limit.limit_amps <= 0:
        return UNBOUNDED
    watts = _newest_power(share.session, after=call.completed_at + settle())
    if watts is None:
        return UNBOUNDED
    drawn = drawn_amps(watts, voltage=voltage, phases=len(share.station.phases))
    return car_wants(drawn, limit=limit.limit_amps, capped_at=limit.car_wants_amps)


def _newest_power(session: ChargingSession, *, after: datetime) -> float | None:
    """The session's total power (W) at its newest reading after `after`: its value without a
    phase, else the sum of its phases' (a reading holds at most a total and three phases)."""
    rows = list(
        MeterSample.objects.filter(session=session, measurand=POWER, sampled_at__gt=after)
        .order_by("-sampled_at", "-id")
        .values_list("sampled_at", "phase", "value", "unit")[:4]
    )
    newest = [row for row in rows if row[0] == rows[0][0]]
    return total_power((phase, power_watts(value, unit)) for _, phase, value, unit in newest)


def _ev_max(session: ChargingSession) -> float:
    """The most an ISO 15118 car said it takes (NotifyEVChargingNeeds), if it said."""
    needs = getattr(session, "ev_charging_needs", None)
    return needs.ev_max_amps if needs is not None and needs.ev_max_amps else float("inf")


def _reserve(reserved: dict[str, float], resources: frozenset[str], amps: float) -> None:
    for name in resources & reserved.keys():
        reserved[name] += amps


def _active_sessions(asset_ids: list[Any]) -> list[ChargingSession]:
    return list(
        ChargingSession.objects.filter(asset_id__in=asset_ids, status=SessionStatus.ACTIVE)
        .exclude(transaction_id="")
        .select_related("ev_charging_needs")
        .order_by("started_at", "pk")
    )


def _transaction_limits(asset_ids: list[Any]) -> dict[tuple[Any, str], ChargingLimit]:
    rows = ChargingLimit.objects.filter(asset_id__in=asset_ids, purpose=Purpose.TX)
    return {(row.asset_id, row.transaction_id): row for row in rows.select_related("call")}


def _evses(asset_ids: list[Any]) -> dict[Any, set[int]]:
    evses: dict[Any, set[int]] = {}
    for asset_id, evse_id in Connector.objects.filter(asset_id__in=asset_ids).values_list(
        "asset_id", "evse_id"
    ):
        evses.setdefault(asset_id, set()).add(evse_id)
    return evses
