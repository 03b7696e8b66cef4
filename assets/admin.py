from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from assets.admin_actions import (
    disable_rate,
    reset_hard,
    reset_soft,
    rotate_password,
    sync_rate,
)
from assets.availability_days import planned_outage_changed
from assets.models import (
    Asset,
    AssetGroup,
    Connector,
    ConnectorStatusChange,
    PlannedOutage,
    SitePartner,
    StationEvent,
    StationVariable,
)


class ConnectorInline(admin.TabularInline):
    model = Connector
    extra = 0
    fields = ("evse_id", "connector_id", "status", "error_code", "status_at", "connector_type")
    readonly_fields = ("status", "error_code", "status_at")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = (
        "identity",
        "network",
        "protocol",
        "is_online",
        "registration_status",
        "vendor",
        "model",
        "firmware_version",
        "last_seen_at",
    )
    list_filter = (
        "is_online",
        "protocol",
        "registration_status",
        "network",
        "asset_group",
        "vendor",
    )
    search_fields = ("identity", "name", "serial_number", "vendor", "model")
    readonly_fields = (
        "password_hash",
        "is_online",
        "current_connection",
        "last_seen_at",
        "connected_at",
        "disconnected_at",
        "last_boot_at",
    )
    inlines = [ConnectorInline]
    list_select_related = ("network",)
    actions = [reset_soft, reset_hard, sync_rate, disable_rate, rotate_password]
    autocomplete_fields = ("network", "asset_group", "rate")

    def has_command_station_permission(self, request: HttpRequest) -> bool:
        """The station actions' permission (assets.admin_actions)."""
        return bool(request.user.has_perm("assets.command_station"))


@admin.register(StationEvent)
class StationEventAdmin(admin.ModelAdmin):
    list_display = ("asset", "kind", "event_type", "occurred_at")
    list_filter = ("kind",)
    search_fields = ("asset__identity", "event_type")


@admin.register(StationVariable)
class StationVariableAdmin(admin.ModelAdmin):
    list_display = ("asset", "component", "evse_id", "variable", "attribute_type", "value")
    search_fields = ("asset__identity", "component", "variable")


@admin.register(AssetGroup)
class AssetGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "city", "country", "timezone", "open_24x7")
    list_filter = ("network", "country", "open_24x7")
    search_fields = ("name", "city", "address_line1", "postal_code")
    filter_horizontal = ("site_partners",)


@admin.register(SitePartner)
class SitePartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "network", "contact_email")
    list_filter = ("type", "network")
    search_fields = ("name", "contact_email")


@admin.register(PlannedOutage)
class PlannedOutageAdmin(admin.ModelAdmin):
    """Outages an operator plans: availability leaves their time out."""

    list_display = ("asset", "evse_id", "starts_at", "ends_at", "reason")
    list_filter = ("asset__network",)
    search_fields = ("asset__identity", "reason")
    autocomplete_fields = ("asset",)
    date_hierarchy = "starts_at"

    # The days an outage covered and covers are rolled up again (assets.availability_days).
    def save_model(self, request: HttpRequest, obj: PlannedOutage, form: Any, change: bool) -> None:
        before = PlannedOutage.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        outages_changed([obj] + ([before] if before is not None else []))

    def delete_model(self, request: HttpRequest, obj: PlannedOutage) -> None:
        super().delete_model(request, obj)
        outages_changed([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PlannedOutage]) -> None:
        removed = list(queryset)
        super().delete_queryset(request, queryset)
        outages_changed(removed)


def outages_changed(outages: list[PlannedOutage]) -> None:
    def roll_up() -> None:
        for outage in outages:
            planned_outage_changed(
                asset_id=outage.asset_id, intervals=[(outage.starts_at, outage.ends_at)]
            )

    transaction.on_commit(roll_up)


@admin.register(ConnectorStatusChange)
class ConnectorStatusChangeAdmin(admin.ModelAdmin):
    """The history as stations reported it: read only."""

    list_display = ("asset", "evse_id", "connector_id", "status", "error_code", "at")
    list_filter = ("status",)
    search_fields = ("asset__identity",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
