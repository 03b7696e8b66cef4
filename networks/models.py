import uuid

from django.db import models

from csms.models import TimestampedModel


class Network(TimestampedModel):
    """A charging network: the unit of ownership for assets and of API access restriction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
