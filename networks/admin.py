from django.contrib import admin

from networks.models import Network


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
