import uuid

from django.db import models

from csms.models import TimestampedModel


class ConcurrentCardUse(models.TextChoices):
    """Whether a token with an active session may start another one elsewhere."""

    REFUSE = "refuse"
    ALLOW = "allow"


class Network(TimestampedModel):
    """A charging network: the unit of ownership for assets and of API access restriction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    concurrent_card_use = models.CharField(
        max_length=10,
        choices=ConcurrentCardUse.choices,
        default=ConcurrentCardUse.REFUSE,
        help_text="A start with a token charging elsewhere: refused (ConcurrentTx) or allowed.",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
