from django.db import models
from oauth2_provider.models import AbstractApplication

from api.scope_catalogue import SCOPES
from networks.models import Network


class ApiClient(AbstractApplication):
    """An OAuth2 application of a REST client: the scopes it may hold and, optionally, the only
    networks it may see and command."""

    allowed_scopes = models.TextField(
        blank=True, help_text="Space-separated scopes this client may be granted."
    )
    networks = models.ManyToManyField(
        Network,
        blank=True,
        related_name="api_clients",
        help_text="Restrict the client to these networks; empty means all networks.",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "API client"

    def granted_scopes(self) -> list[str]:
        return [scope for scope in self.allowed_scopes.split() if scope in SCOPES]
