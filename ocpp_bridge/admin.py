from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from ocpp_bridge.admin_lists import IndexedSearchAdmin, RecentFilter
from ocpp_bridge.models import ChargerConnection, OcppCall, OcppFrame


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by the system only."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ChargerConnection)
class ChargerConnectionAdmin(ReadOnlyAdmin):
    list_display = (
        "asset",
        "protocol",
        "opened_at",
        "closed_at",
        "close_reason",
        "server_instance",
    )
    list_filter = ("protocol", "close_reason")
    search_fields = ("asset__identity",)


@admin.register(OcppFrame)
class OcppFrameAdmin(IndexedSearchAdmin, ReadOnlyAdmin):
    list_display = ("created_at", "asset", "direction", "message_type", "action", "message_id")
    # Fixed choices only: a filter on a free column would read it whole for its choices.
    list_filter = (RecentFilter, "direction")
    list_select_related = ("asset",)


@admin.register(OcppCall)
class OcppCallAdmin(IndexedSearchAdmin, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "asset",
        "action",
        "state",
        "message_id",
        "source",
        "completed_at",
    )
    list_filter = (RecentFilter, "state")
    list_select_related = ("asset",)
