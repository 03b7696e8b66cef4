"""Reads of charging sessions."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from api.identifiers import is_decimal_id
from assets.models import Asset
from charging.models import ChargingSession
from ocpp_bridge.models import CallState, OcppCall


def sessions_visible(*, network_ids: Collection[Any] | None) -> QuerySet[ChargingSession]:
    """Sessions of assets in `network_ids`, or of every asset when None (no restriction)."""
    sessions = ChargingSession.objects.select_related("asset", "rate")
    if network_ids is None:
        return sessions
    return sessions.filter(asset__network_id__in=network_ids)


def session_list(
    *,
    network_ids: Collection[Any] | None,
    asset: Asset | None = None,
    status: str | None = None,
    token_id: int | None = None,
    id_token: str | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
) -> QuerySet[ChargingSession]:
    """Visible sessions matching every filter given."""
    sessions = sessions_visible(network_ids=network_ids)
    if asset is not None:
        sessions = sessions.filter(asset=asset)
    if status:
        sessions = sessions.filter(status=status)
    if token_id is not None:
        sessions = sessions.filter(token_id=token_id)
    if id_token:
        sessions = sessions.filter(id_token=id_token)
    if started_after is not None:
        sessions = sessions.filter(started_at__gte=started_after)
    if started_before is not None:
        sessions = sessions.filter(started_at__lt=started_before)
    return sessions


def session_visible_get(
    *, network_ids: Collection[Any] | None, session_id: str
) -> ChargingSession | None:
    """The session, if it exists and the client may see it."""
    if not is_decimal_id(session_id):
        return None
    return sessions_visible(network_ids=network_ids).filter(pk=int(session_id)).first()


def session_duration_seconds(
    session: ChargingSession, *, now: datetime | None = None
) -> int | None:
    """Stopped minus started, or up to now while the session is active."""
    if session.started_at is None:
        return None
    end = session.stopped_at or now or timezone.now()
    return max(int((end - session.started_at).total_seconds()), 0)


def remote_start_token(*, asset_id: Any, remote_start_id: int) -> str:
    """The idToken of the latest RequestStartTransaction the CSMS sent the station with that
    remoteStartId ("": none). A queued one counts: the station may answer and start before
    the delivery's state is committed."""
    call = (
        OcppCall.objects.filter(
            asset_id=asset_id,
            action="RequestStartTransaction",
            payload__remoteStartId=remote_start_id,
        )
        .exclude(state=CallState.FAILED)  # never reached the station
        .order_by("-created_at")
        .values_list("payload", flat=True)
        .first()
    )
    return str((call or {}).get("idToken", {}).get("idToken", ""))
