"""Tokens: list and search, create, block / unblock, expiry, through tokens.services (as the
REST API). Seeing needs staff; changing needs the tokens app's add / change permissions."""

from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tokens.models import IdToken, TokenStatus
from tokens.services import TokenTakenError, token_create, token_update
from ui import selectors
from ui.token_forms import TokenCreateForm, TokenExpiryForm

TOKEN_LIMIT = 200


@staff_member_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("tokens.add_idtoken"):
            raise PermissionDenied
        if form.is_valid():
            try:
                token = _create(form.cleaned_data)
            except TokenTakenError:
                form.add_error("id_token", "This token exists already in that network.")
            else:
                messages.success(request, f"Token {token.id_token} created.")
                return redirect("ui:tokens")
    search, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    found = list(_tokens(search=search, status=status)[: TOKEN_LIMIT + 1])
    context: dict[str, Any] = {
        "nav": "tokens",
        "tokens": found[:TOKEN_LIMIT],
        "more_tokens": len(found) > TOKEN_LIMIT,
        "search": search,
        "status": status,
        "statuses": TokenStatus.choices,
        "form": form,
        "may_create": request.user.has_perm("tokens.add_idtoken"),
        "may_change": request.user.has_perm("tokens.change_idtoken"),
        "networks": selectors.networks_list(),
        "now": timezone.now(),
    }
    return render(request, "ui/tokens/list.html", context)


@staff_member_required
@require_POST
def token_status_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Block or unblock (back to Accepted)."""
    token = _changeable(request, token_id)
    blocked = request.POST.get("status") == TokenStatus.BLOCKED
    status = TokenStatus.BLOCKED if blocked else TokenStatus.ACCEPTED
    token_update(token=token, changes={"status": status})
    messages.success(request, f"Token {token.id_token} {'blocked' if blocked else 'unblocked'}.")
    return redirect(request.POST.get("next") or "ui:tokens")


@staff_member_required
@require_POST
def token_expiry_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = _changeable(request, token_id)
    form = TokenExpiryForm(request.POST)
    if form.is_valid():
        token_update(token=token, changes={"expires_at": form.cleaned_data["expires_at"]})
        messages.success(request, f"Expiry of {token.id_token} saved.")
    else:
        messages.error(request, "The expiry is not a date and time.")
    return redirect("ui:tokens")


def _tokens(*, search: str, status: str) -> QuerySet[IdToken]:
    tokens = IdToken.objects.select_related("network").order_by("id_token", "id")
    if search:
        tokens = tokens.filter(
            Q(id_token__icontains=search)
            | Q(description__icontains=search)
            | Q(group_id__icontains=search)
        )
    if status in TokenStatus.values:
        tokens = tokens.filter(status=status)
    return tokens


def _create(values: dict[str, Any]) -> IdToken:
    network = values.pop("network")
    return token_create(network_id=network.pk if network else None, **values)


def _changeable(request: HttpRequest, token_id: int) -> IdToken:
    if not request.user.has_perm("tokens.change_idtoken"):
        raise PermissionDenied
    return get_object_or_404(IdToken, pk=token_id)
