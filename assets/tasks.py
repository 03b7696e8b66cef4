"""Celery tasks of the assets app: thin, each calls one service."""

from celery import shared_task

from assets.availability_days import availability_days_run


@shared_task(ignore_result=True)
def roll_up_availability() -> int:
    """Roll up the connectors' availability of the days that are over (run by Celery beat)."""
    return availability_days_run()
