"""Deleting old rows without long locks: a bounded number of small batches, each its own
short transaction, so pruning never holds up the charger path."""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet


def delete_in_batches(rows: QuerySet, *, batch_size: int = 0, max_batches: int = 0) -> int:
    """Delete `rows` (a queryset of what has expired) by primary key, `batch_size` at a time,
    at most `max_batches` times (settings RETENTION_BATCH_SIZE / RETENTION_MAX_BATCHES): what
    is left goes at the next run. Call it outside a transaction. The number of rows deleted
    (cascades not counted)."""
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    max_batches = max_batches or settings.RETENTION_MAX_BATCHES
    model, deleted = rows.model, 0
    for _ in range(max_batches):
        with transaction.atomic():
            keys = list(rows.order_by().values_list("pk", flat=True)[:batch_size])
            if not keys:
                break
            _, per_model = model._base_manager.filter(pk__in=keys).delete()
            deleted += per_model.get(model._meta.label, 0)
        if len(keys) < batch_size:
            break
    return deleted
