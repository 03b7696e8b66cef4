import uuid

from django.db import models

from csms.models import TimestampedModel
from networks.models import Network


class Rate(TimestampedModel):
    """A price shown to drivers at the station and used to cost sessions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="rates"
    )
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    price_per_kwh = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    flat_fee = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    idle_fee_per_minute = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True
    )
    display_text = models.TextField(
        blank=True, help_text="Shown on the station; generated from the prices when empty."
    )
    display_text_offline = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
