"""Celery tasks of the charging app: thin, each calls one service."""

from celery import shared_task

from charging.abandonment import sessions_close_silent


@shared_task(ignore_result=True)
def close_silent_sessions() -> int:
    """Close the active sessions silent for SESSION_SILENCE_HOURS (run by Celery beat)."""
    return sessions_close_silent()
