"""Abstract models the apps share. `csms` is the project, not an installed app: an abstract
model needs none, and it adds no table of its own."""

from django.db import models


class TimestampedModel(models.Model):
    """A row that records when it was created and when it was last saved.

    `updated_at` moves when the row is saved: by `save()`, or by `save(update_fields=...)` that
    names it; a queryset `update()` leaves it as it was."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
