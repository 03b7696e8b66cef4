from django.contrib import admin

from charging.models import ChargingSession, MeterSample


class MeterSampleInline(admin.TabularInline):
    model = MeterSample
    extra = 0
    can_delete = False
    fields = ("sampled_at", "measurand", "value", "unit", "phase", "context")
    readonly_fields = fields
    ordering = ("-sampled_at",)
    max_num = 0  # written by stations only


@admin.register(ChargingSession)
class ChargingSessionAdmin(admin.ModelAdmin):
    list_display = (
        "transaction_id",
        "asset",
        "evse_id",
        "status",
        "id_token",
        "started_at",
        "stopped_at",
        "energy_wh",
        "cost_amount",
        "currency",
    )
    list_filter = ("status", "stop_reason", "meter_anomaly", "currency")
    search_fields = ("transaction_id", "asset__identity", "id_token")
    date_hierarchy = "started_at"
    list_select_related = ("asset",)
    raw_id_fields = ("asset", "token", "rate")
    inlines = [MeterSampleInline]
