from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API clients"

    def ready(self) -> None:
        # Signals rather than calls in the services: the admin, DOT's own views (revocation)
        # and the shell change these too. What a cached bearer token carries: see token_cache.
        from oauth2_provider.models import get_access_token_model, get_application_model

        from networks.models import Network

        application = get_application_model()
        for model in (get_access_token_model(), application, settings.AUTH_USER_MODEL):
            post_save.connect(_token_related_changed, sender=model)
            post_delete.connect(_token_related_changed, sender=model)
        # The networks a client is restricted to (api.access.client_network_ids); deleting a
        # network removes its clients' rows with no m2m signal.
        m2m_changed.connect(_token_related_changed, sender=application.networks.through)
        post_delete.connect(_token_related_changed, sender=Network)


def _token_related_changed(sender: Any, **kwargs: Any) -> None:
    from api.token_cache import tokens_changed

    tokens_changed()
