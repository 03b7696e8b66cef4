from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signals rather than calls in the services, so the admin and the shell are covered too.
        from webhooks.models import WebhookEndpoint

        post_save.connect(_endpoint_saved, sender=WebhookEndpoint)
        post_delete.connect(_endpoint_deleted, sender=WebhookEndpoint)


def _endpoint_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    from webhooks.subscriptions import SUBSCRIPTION_FIELDS, subscriptions_changed

    if update_fields is None or SUBSCRIPTION_FIELDS & set(update_fields):
        subscriptions_changed()


def _endpoint_deleted(sender: Any, **kwargs: Any) -> None:
    from webhooks.subscriptions import subscriptions_changed

    subscriptions_changed()
