from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from api.models import ApiClient
from networks.models import Network


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """Django's list, with the API clients restricted to the networks as protected: the
        admin then refuses the delete and shows them (as it does for assets, PROTECT), rather
        than leaving the clients restricted to nothing. Move them to another network first."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        networks = objs if isinstance(objs, QuerySet) else list(objs)
        clients = ApiClient.objects.filter(networks__in=networks)
        protected = [*protected, *(f"API client: {client}" for client in clients.distinct())]
        return deleted, counts, perms, protected
