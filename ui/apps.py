from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "ui"
    verbose_name = "Operator web UI"
    default_auto_field = "django.db.models.BigAutoField"
