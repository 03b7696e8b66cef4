"""Celery tasks of the retention app: thin, each calls one service."""

from typing import Any

from celery import shared_task

from retention.jobs import retention_run


@shared_task(ignore_result=True)
def prune_expired_data() -> dict[str, Any]:
    """Every kind of data past its retention pruned (run hourly by Celery beat)."""
    return {name: str(outcome) for name, outcome in retention_run().items()}
