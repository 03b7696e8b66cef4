"""Celery tasks of the charging app: thin, each calls one service."""

from celery import shared_task

from charging.abandonment import sessions_close_silent
from charging.concurrent_use import cards_charging_twice_resolve


@shared_task(ignore_result=True)
def close_silent_sessions() -> int:
    """Close the active sessions silent for SESSION_SILENCE_HOURS (run by Celery beat)."""
    return sessions_close_silent()


@shared_task(ignore_result=True)
def resolve_cards_charging_twice() -> int:
    """Abort the later sessions of cards started in two places at once (run by Celery beat)."""
    return cards_charging_twice_resolve()
