from django.contrib import admin

from tokens.models import IdToken


@admin.register(IdToken)
class IdTokenAdmin(admin.ModelAdmin):
    list_display = ("id_token", "token_type", "status", "expires_at", "group_id", "network")
    list_filter = ("status", "token_type", "network")
    search_fields = ("id_token", "group_id", "description")
