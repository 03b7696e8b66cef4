"""Bringing the stations to a plan's targets without ever overcommitting the panel on the way.

Lowered limits go first, and the rollout waits for the stations' answers; then the raised
ones go, each only as far as the panel's headroom allows once every station is counted at
what it may hold now (a station that refused or did not answer a lowering still holds its
old limit). What the headroom did not allow is given at the next re-balance.

Runs outside any transaction (it waits for stations), on a Celery worker or the embedded
background thread, never on the charger path.
"""

import time

from django.conf import settings
from django.db import transaction

from ocpp_bridge.calls.waiting import new_reply_channel, ocpp_call_wait
from smart_charging.allocation import RESOLUTION
from smart_charging.car_draw import NEGLIGIBLE, cap_binds
from smart_charging.load_manager import PanelPlan, SessionShare, held_amps
from smart_charging.models import ChargingLimit, LimitSource, Purpose
from smart_charging.station_limits import charging_limit_set


def plan_roll_out(plan: PanelPlan) -> None:
    lowered = [s for s in plan.shares if s.target < s.held - NEGLIGIBLE]
    raised = [s for s in plan.shares if s.target > s.held + NEGLIGIBLE]
    _lower(lowered)
    _raise(plan, raised)
    _remember_caps(plan.shares)


def _remember_caps(shares: list[SessionShare]) -> None:
    """Note on each limit whether its car's draw set it (the next look judges the car's draw
    against that cap: smart_charging.car_draw), also where the limit itself did not change."""
    for share in shares:
        cap = cap_binds(share.wanted, share.target, resolution=RESOLUTION)
        if share.limit is not None and share.limit.car_wants_amps != cap:
            ChargingLimit.objects.filter(pk=share.limit.pk).update(car_wants_amps=cap)
            share.limit.car_wants_amps = cap


def _send(share: SessionShare, amps: float, *, reply_channel: str = "") -> ChargingLimit:
    session, station = share.session, share.station
    return charging_limit_set(
        asset=station.asset,
        purpose=Purpose.TX,
        limit_amps=amps,
        evse_id=session.evse_id or 1,
        transaction_id=session.transaction_id,
        number_phases=len(station.phases),
        source=LimitSource.LOAD_MANAGER,
        reply_channel=reply_channel,
    )


def _lower(shares: list[SessionShare]) -> None:
    """Send every lowering at once, then wait for their answers against one deadline: a run
    lasts about its slowest answer, never one call timeout per station that dropped
    unnoticed."""
    waiting = []
    with transaction.atomic():  # one commit for them all; delivered once it is done
        for share in shares:
            channel = new_reply_channel()
            limit = _send(share, share.target, reply_channel=channel)
            waiting.append((share, limit, channel))
    deadline = time.monotonic() + settings.OCPP_CALL_TIMEOUT + settings.OCPP_SYNC_QUEUE_WAIT
    for share, limit, channel in waiting:
        if limit.call is not None:
            # Past the deadline, still one look: an answer that came meanwhile counts.
            remaining = max(0.01, deadline - time.monotonic())
            limit.call = ocpp_call_wait(limit.call, channel=channel, timeout=remaining)
        share.limit = limit
        share.held = held_amps(limit, share.station)


def _raise(plan: PanelPlan, shares: list[SessionShare]) -> None:
    headroom = dict(plan.available)
    for share in plan.shares:
        for name in share.resources & headroom.keys():
            headroom[name] -= share.held
    with transaction.atomic():  # one commit for them all
        for share in shares:
            _raise_one(share, headroom)


def _raise_one(share: SessionShare, headroom: dict[str, float]) -> None:
    """Raise toward the target as far as the headroom on each of its resources allows."""
    resources = share.resources & headroom.keys()
    room = min((headroom[r] for r in resources), default=0.0)
    amps = round(min(share.target, share.held + max(room, 0.0)), 1)
    if amps <= share.held + NEGLIGIBLE:
        return
    for name in resources:
        headroom[name] -= amps - share.held
    share.limit = _send(share, amps)
