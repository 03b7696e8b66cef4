from django.db import models
from oauth2_provider.models import AbstractApplication

from api.scope_catalogue import SCOPES
from networks.models import Network


class ApiClient(AbstractApplication):
    """An OAuth2 application of a REST client: the scopes it may hold and either every network
    (`unrestricted`) or only the networks it is restricted to.

    "Every network" is said explicitly, never by an empty set: a restricted client whose
    networks all go (deleted, removed) is restricted to nothing and sees nothing."""

    allowed_scopes = models.TextField(
        blank=True, help_text="Space-separated scopes this client may be granted."
    )
    networks = models.ManyToManyField(
        Network,
        blank=True,
        related_name="api_clients",
        help_text="The only networks the client may see and command (unless unrestricted).",
    )
    unrestricted = models.BooleanField(
        default=False,
        help_text="Sees and commands every network. Off: only the networks above (none: nothing).",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "API client"

    def granted_scopes(self) -> list[str]:
        return [scope for scope in self.allowed_scopes.split() if scope in SCOPES]
