from django.contrib import admin

from rates.models import Rate


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "price_per_kwh", "price_per_hour", "flat_fee", "network")
    list_filter = ("currency", "network")
    search_fields = ("name",)
