"""Admin actions that reach stations: the same services the REST API uses. Each needs the
`assets.command_station` permission (AssetAdmin.has_command_station_permission): a staff user
who may only view stations does not see them."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from assets.models import Asset
from ocpp_bridge.calls.create import CallRefusedError
from ocpp_bridge.calls.password_rotation import station_password_rotate
from ocpp_bridge.calls.station_reset import station_reset
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


def station_action(name: str, description: str, label: str, command: Command) -> Any:
    """An admin action that runs `command` for each selected station (see run_for_each)."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, assets: QuerySet[Asset]) -> None:
        run_for_each(request, assets, label, command)

    action.__name__ = name
    return admin.action(description=description, permissions=["command_station"])(action)


reset_soft = station_action(
    "reset_soft",
    "Reset selected stations (soft)",
    "Soft reset",
    lambda asset: station_reset(asset=asset, reset_type="Soft", source="admin"),
)
reset_hard = station_action(
    "reset_hard",
    "Reset selected stations (hard)",
    "Hard reset",
    lambda asset: station_reset(asset=asset, reset_type="Hard", source="admin"),
)
sync_rate = station_action(
    "sync_rate",
    "Send the rate to the selected stations' displays",
    "Rate display",
    lambda asset: rate_display_sync(asset=asset, wait=False, source="admin"),
)
disable_rate = station_action(
    "disable_rate",
    "Stop showing the rate on the selected stations",
    "Rate display off",
    lambda asset: rate_display_disable(asset=asset, wait=False, source="admin"),
)
rotate_password = station_action(
    "rotate_password",
    "Give the selected stations a new password (stored when each accepts it)",
    "Password change",
    lambda asset: station_password_rotate(asset=asset, source="admin"),
)
