"""Which session a legacy remote stop means. 2.x transaction ids are chosen by the stations
and repeat across them, so an `ocppTransactionId` alone may name sessions of several
stations: then nothing is sent, and the client picks the station (`chargingStationId`) or the
session (`sessionId`)."""

from typing import Any

from rest_framework import status
from rest_framework.request import Request

from api.access import asset_visible_get, assets_visible
from api.errors import ApiError, not_found
from api.identifiers import is_decimal_id
from charging.models import ChargingSession


def stop_target_session(
    request: Request,
    *,
    transaction_id: str | None,
    session_id: str | None,
    station: str | None,
) -> ChargingSession:
    """The one session, among those of the stations the client can see, that matches every
    reference given: 404 if none does (or the station is not the client's), 409
    `ambiguous_transaction` if the transaction id names sessions of several stations (a
    station holds a transaction id once: unique per asset)."""
    sessions = ChargingSession.objects.filter(asset__in=assets_visible(request, related=()))
    if station:
        sessions = sessions.filter(asset=asset_visible_get(request, station, related=()))
    if session_id:
        sessions = sessions.filter(pk=session_id) if is_decimal_id(session_id) else sessions.none()
    if transaction_id:
        sessions = sessions.filter(transaction_id=transaction_id)
    found = list(sessions[:2].only("pk", "asset_id", "transaction_id"))
    if len(found) > 1:
        raise _ambiguous(transaction_id or "", sessions.count())
    if not found:
        raise not_found("session", session_id or transaction_id or "")
    return found[0]


def _ambiguous(transaction_id: str, stations: int) -> ApiError:
    details: dict[str, Any] = {"ocppTransactionId": transaction_id, "stations": stations}
    return ApiError(
        status.HTTP_409_CONFLICT,
        "ambiguous_transaction",
        f"Transaction {transaction_id!r} is known at {stations} stations: give "
        "chargingStationId or sessionId to pick one. Nothing was sent.",
        details,
    )
