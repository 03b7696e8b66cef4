from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API clients"

    def ready(self) -> None:
        # Signals rather than calls in the services: the admin, DOT's own views (revocation)
        # and the shell change these too. What a cached bearer token carries: see token_cache.
        from oauth2_provider.models import get_access_token_model, get_application_model

        for model in (get_access_token_model(), get_application_model(), settings.AUTH_USER_MODEL):
            post_save.connect(_token_related_changed, sender=model)
            post_delete.connect(_token_related_changed, sender=model)


def _token_related_changed(sender: Any, **kwargs: Any) -> None:
    from api.token_cache import tokens_changed

    tokens_changed()
