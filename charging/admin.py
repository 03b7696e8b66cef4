from django.contrib import admin

from charging.models import ChargingSession


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
    )
    list_filter = ("status",)
    search_fields = ("transaction_id", "asset__identity", "id_token")
    date_hierarchy = "started_at"
