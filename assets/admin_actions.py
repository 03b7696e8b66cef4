"""Admin actions that reach stations: the same services the REST API uses."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from assets.models import Asset
from ocpp_bridge.calls.create import CallRefusedError
from ocpp_bridge.commands import station_reset
from rates.services import RateNotSetError, rate_display_disable, rate_display_sync

Command = Callable[[Asset], Any]


def run_for_each(
    request: HttpRequest, assets: QuerySet[Asset], label: str, command: Command
) -> None:
    """Queue `command` for every selected station; report what was queued and what was not."""
    queued, refused = [], []
    for asset in assets.select_related("rate", "current_connection"):
        try:
            command(asset)
        except (CallRefusedError, RateNotSetError) as error:
            refused.append(f"{asset.identity} ({error})")
        else:
            queued.append(asset.identity)
    if queued:
        messages.success(request, f"{label} queued for {len(queued)}: {', '.join(queued)}.")
    if refused:
        messages.warning(request, f"{label} not sent to {len(refused)}: {'; '.join(refused)}.")


@admin.action(description="Reset selected stations (soft)")
def reset_soft(modeladmin: admin.ModelAdmin, request: HttpRequest, assets: QuerySet[Asset]) -> None:
    run_for_each(
        request,
        assets,
        "Soft reset",
        lambda asset: station_reset(asset=asset, reset_type="Soft", source="admin"),
    )


@admin.action(description="Reset selected stations (hard)")
def reset_hard(modeladmin: admin.ModelAdmin, request: HttpRequest, assets: QuerySet[Asset]) -> None:
    run_for_each(
        request,
        assets,
        "Hard reset",
        lambda asset: station_reset(asset=asset, reset_type="Hard", source="admin"),
    )


@admin.action(description="Send the rate to the selected stations' displays")
def sync_rate(modeladmin: admin.ModelAdmin, request: HttpRequest, assets: QuerySet[Asset]) -> None:
    run_for_each(
        request,
        assets,
        "Rate display",
        lambda asset: rate_display_sync(asset=asset, wait=False, source="admin"),
    )


@admin.action(description="Stop showing the rate on the selected stations")
def disable_rate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, assets: QuerySet[Asset]
) -> None:
    run_for_each(
        request,
        assets,
        "Rate display off",
        lambda asset: rate_display_disable(asset=asset, wait=False, source="admin"),
    )
