"""When a session's cost is told to its station, whatever the version."""

from datetime import datetime, timedelta

from django.conf import settings

from charging.models import ChargingSession, SessionStatus

# The statuses a driver pays for. Any other (e.g. a start the CSMS refused) is never costed to
# the station, whatever its rate.
BILLED = frozenset({SessionStatus.ACTIVE, SessionStatus.COMPLETED, SessionStatus.ABORTED})


def has_cost(session: ChargingSession) -> bool:
    return session.status in BILLED and session.has_rate and session.cost_amount is not None


def running_cost_due(session: ChargingSession, *, now: datetime) -> bool:
    """Whether the station of a running, priced session should hear its cost now.

    At most every SESSION_COST_UPDATE_SECONDS of the CSMS's clock, not the station's: a station
    replaying its offline queue sends old times in quick succession. The first one interval
    after the CSMS opened the session: at the start the driver has just seen the price.
    """
    if session.status != SessionStatus.ACTIVE or not has_cost(session):
        return False
    last = session.cost_told_at or session.created_at
    return now - last >= timedelta(seconds=settings.SESSION_COST_UPDATE_SECONDS)


def running_cost_told(session: ChargingSession, *, now: datetime) -> None:
    session.cost_told_at = now
    ChargingSession.objects.filter(pk=session.pk).update(cost_told_at=now)


def final_cost_told(session: ChargingSession, *, now: datetime) -> None:
    session.final_cost_told_at = now
    ChargingSession.objects.filter(pk=session.pk).update(final_cost_told_at=now)
