"""The web UI's pages: parse the request, read through ui.selectors, render. Staff only."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from assets.models import Asset
from ocpp_bridge.protocol.versions import OcppVersion
from ui import selectors
from ui.console import (
    ConsoleRefusal,
    ConsoleRefusedError,
    console_call_state,
    console_permitted,
    console_request_parse,
    console_send,
)
from ui.consumers import is_operator
from ui.payload_templates import payload_templates

# The parts of the station page a browser re-reads when its live socket (re)opens.
STATION_FRAGMENTS = ("summary", "connectors", "limits", "sessions", "frames")
REFUSAL_STATUS = {
    "station_not_connected": 409,
    "duplicate_request_id": 409,
    "payload_too_large": 413,
}


def operator_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the console's JSON endpoints: a 403 JSON answer instead of the login redirect."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request.user):
            return refusal_response(
                ConsoleRefusal("not_authorized", "Log in as a staff user to use the console."),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


@staff_member_required
@require_GET
def stations(request: HttpRequest) -> HttpResponse:
    filters = selectors.StationFilters.from_query(request.GET)
    found = list(selectors.stations_list(filters=filters)[: selectors.STATION_LIMIT + 1])
    context = {
        "stations": found[: selectors.STATION_LIMIT],
        "more_stations": len(found) > selectors.STATION_LIMIT,
        "station_limit": selectors.STATION_LIMIT,
        "filters": filters,
        "networks": selectors.networks_list(),
        "counts": selectors.stations_counts(),
        "nav": "stations",
    }
    if request.GET.get("fragment") == "stations":
        return render(request, "ui/overview/_stations.html", context)
    return render(request, "ui/overview/page.html", context)


@staff_member_required
@require_GET
def station(request: HttpRequest, asset_id: str) -> HttpResponse:
    asset = _station_or_404(asset_id)
    context = {
        "station": asset,
        "connectors": list(asset.connectors.all()),
        "sessions": selectors.station_sessions(asset=asset),
        "frames": selectors.station_frames(asset=asset),
        "frame_limit": selectors.FRAME_LIMIT,
    }
    fragment = request.GET.get("fragment", "")
    if fragment in STATION_FRAGMENTS:
        return render(request, f"ui/station/_{fragment}.html", context)
    context["may_command"] = console_permitted(request.user)
    actions = selectors.station_console_actions(asset=asset) if context["may_command"] else []
    context["console_actions"] = actions
    context["payload_templates"] = (
        payload_templates(OcppVersion(asset.protocol), actions) if actions else {}
    )
    return render(request, "ui/station/page.html", context)


@operator_json
@require_POST
def console_send_view(request: HttpRequest, asset_id: str) -> HttpResponse:
    asset = _station_or_404(asset_id)
    if not console_permitted(request.user):
        refusal = ConsoleRefusal(
            "permission_denied", "You may see this station but not send it commands."
        )
        return refusal_response(refusal, status=403)
    try:
        action, payload = console_request_parse(request.body)
        call = console_send(asset=asset, action=action, payload=payload)
    except ConsoleRefusedError as error:
        return refusal_response(error.refusal, status=REFUSAL_STATUS.get(error.refusal.code, 400))
    return JsonResponse({"call": console_call_state(call)}, status=202)


@operator_json
@require_GET
def console_call_view(request: HttpRequest, asset_id: str, message_id: str) -> HttpResponse:
    call = selectors.station_call(asset=_station_or_404(asset_id), message_id=message_id)
    if call is None:
        raise Http404("No such call")
    return JsonResponse({"call": console_call_state(call)})


def refusal_response(refusal: ConsoleRefusal, *, status: int) -> JsonResponse:
    body = {"error": {"code": refusal.code, "message": refusal.message, "details": refusal.details}}
    return JsonResponse(body, status=status)


def _station_or_404(asset_id: str) -> Asset:
    asset = selectors.station_get(asset_id=asset_id)
    if asset is None:
        raise Http404("No such station")
    return asset
