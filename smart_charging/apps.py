from django.apps import AppConfig


class SmartChargingConfig(AppConfig):
    name = "smart_charging"
    verbose_name = "Smart charging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ocpp_bridge import station_fanout
        from smart_charging import triggers

        station_fanout.station_connectivity_changed.subscribe(triggers.station_connectivity_changed)
