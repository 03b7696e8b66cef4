"""Sessions: the list with filters and totals, its CSV export (streamed, any size), and one
session's page (curve, timeline, cost breakdown, frames)."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from charging.models import SessionStatus
from charging.selectors import session_duration_seconds
from ui import dashboard_selectors, selectors, session_detail
from ui import session_selectors as sessions


@staff_member_required
@require_GET
def sessions_view(request: HttpRequest) -> HttpResponse:
    filters = sessions.SessionFilters.from_query(request.GET)
    page = _page_number(request.GET.get("page", "1"))
    rows, more = sessions.sessions_page(filters, page=page)
    query: dict[str, str | int] = dict(filters.query())
    context: dict[str, Any] = {
        "nav": "sessions",
        "filters": filters,
        "sessions": rows,
        "totals": sessions.sessions_totals(filters),
        "page": page,
        "previous_url": "?" + urlencode({**query, "page": page - 1}) if page > 1 else "",
        "next_url": "?" + urlencode({**query, "page": page + 1}) if more else "",
        "export_query": urlencode(query),
        "statuses": SessionStatus.choices,
        "networks": selectors.networks_list(),
        "sites": dashboard_selectors.sites_list(network_id=filters.network_id),
    }
    return render(request, "ui/sessions/list.html", context)


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines one by one."""

    def write(self, value: str) -> str:
        return value


@staff_member_required
@require_GET
def sessions_export_view(request: HttpRequest) -> StreamingHttpResponse:
    filters = sessions.SessionFilters.from_query(request.GET)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        for row in sessions.sessions_export_rows(filters):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"sessions-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_member_required
@require_GET
def session_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_detail.session_get(session_id)
    if session is None:
        raise Http404("No such session")
    context = {
        "nav": "sessions",
        "session": session,
        "duration_seconds": session_duration_seconds(session),
        "chart": session_detail.session_curve(session),
        "timeline": session_detail.session_timeline(session),
        "cost_lines": session_detail.session_cost_lines(session),
        "frames": session_detail.session_frames(session),
    }
    return render(request, "ui/sessions/detail.html", context)


def _page_number(text: str) -> int:
    return int(text) if text.isdecimal() and 0 < int(text) < 100_000 else 1
