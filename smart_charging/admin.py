"""Panels and charging limits in the Django admin: thin, the services do the work."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from smart_charging.models import ChargingLimit, LimitSource, Panel, PanelStation
from smart_charging.schedules import ScheduleRefusedError, periods_from_rows
from smart_charging.services import panel_station_attach, panel_station_detach
from smart_charging.station_limits import (
    PanelOwnedLimitError,
    charging_limit_remove,
    charging_limit_set,
    charging_schedule_check,
    panel_ownership_check,
)
from smart_charging.triggers import panel_rebalance_on_commit, panel_rebalance_request


class PanelStationInline(admin.TabularInline):
    model = PanelStation
    extra = 0
    raw_id_fields = ("asset",)


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ("name", "asset_group", "capacity", "capacity_unit", "phases", "parent")
    list_select_related = ("asset_group", "parent")
    search_fields = ("name",)
    raw_id_fields = ("asset_group", "parent")
    readonly_fields = ("rebalance_lease_until", "rebalance_pending")
    inlines = (PanelStationInline,)
    actions = ("rebalance_now",)

    def save_model(self, request: HttpRequest, obj: Panel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        panel_rebalance_on_commit(panel_id=obj.pk)  # a new capacity is shared out at once

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Stations attached through the service: their fallback becomes their TxDefault."""
        stations = formset.save(commit=False)
        for removed in formset.deleted_objects:
            panel_station_detach(station=removed)
        for station in stations:
            panel_station_attach(
                panel=form.instance, asset=station.asset, phase_wiring=station.phase_wiring,
                max_amps=station.max_amps, priority=station.priority,
                fallback_amps=station.fallback_amps,
            )  # fmt: skip

    @admin.action(description="Share the capacity out again now")
    def rebalance_now(self, request: HttpRequest, queryset: QuerySet[Panel]) -> None:
        for panel in queryset:
            panel_rebalance_request(panel.pk)
        self.message_user(request, f"{queryset.count()} panel(s) re-balancing.", messages.INFO)


class ChargingLimitForm(forms.ModelForm):
    """A schedule is checked as the API checks it: the station must take it."""

    class Meta:
        model = ChargingLimit
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("asset") is not None and data.get("source") == LimitSource.OPERATOR:
            try:
                panel_ownership_check(asset_id=data["asset"].pk, purpose=data.get("purpose", ""))
            except PanelOwnedLimitError as refusal:
                raise forms.ValidationError({"purpose": str(refusal)}) from None
        rows, recurrency = data.get("periods") or [], data.get("recurrency") or ""
        if (rows or recurrency) and data.get("asset") is not None:
            try:
                periods = periods_from_rows(rows)
            except (KeyError, TypeError, ValueError):
                raise forms.ValidationError(
                    {"periods": '[{"startPeriod": seconds, "limitAmps": A}, ...]'}
                ) from None
            try:
                charging_schedule_check(
                    asset=data["asset"], purpose=data.get("purpose", ""), periods=periods,
                    recurrency=recurrency,
                )  # fmt: skip
            except ScheduleRefusedError as refusal:
                raise forms.ValidationError({"periods": refusal.message}) from None
        return data


@admin.register(ChargingLimit)
class ChargingLimitAdmin(admin.ModelAdmin):
    form = ChargingLimitForm
    list_display = (
        "asset", "evse_id", "purpose", "limit_amps", "recurrency", "source", "outcome",
        "updated_at",
    )  # fmt: skip
    list_filter = ("purpose", "source")
    list_select_related = ("asset", "call")
    search_fields = ("asset__identity", "transaction_id")
    readonly_fields = ("call", "prior_amps")
    raw_id_fields = ("asset",)

    def save_model(self, request: HttpRequest, obj: ChargingLimit, form: Any, change: bool) -> None:
        """Kept and sent by the service, as from the API."""
        limit = charging_limit_set(
            asset=obj.asset, purpose=obj.purpose, limit_amps=obj.limit_amps, evse_id=obj.evse_id,
            transaction_id=obj.transaction_id, number_phases=obj.number_phases,
            stack_level=obj.stack_level, periods=periods_from_rows(obj.periods or []),
            recurrency=obj.recurrency, schedule_start=obj.schedule_start, source=obj.source,
        )  # fmt: skip
        obj.pk = limit.pk

    def delete_model(self, request: HttpRequest, obj: ChargingLimit) -> None:
        charging_limit_remove(limit=obj)

    @admin.display(description="station's answer")
    def outcome(self, limit: ChargingLimit) -> Any:
        return limit.outcome
