"""Log lines: human-readable by default, JSON lines with LOG_FORMAT=json. Either way each
record carries what is known of where it came from: the HTTP request's id, the station and
the message being handled (context variables, set around Django's WSGI handler, the charger
consumer and the handling of a station's message). No Django imports: settings use this.
"""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
station: contextvars.ContextVar[str] = contextvars.ContextVar("station", default="")
# The station and the message id of the message being handled (one variable: one set per message).
station_message: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "station_message", default=("", "")
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"
_FORWARDED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class ContextFilter(logging.Filter):
    """Adds `request_id`, `station`, `message_id` to a record when they are known."""

    def filter(self, record: logging.LogRecord) -> bool:
        if value := request_id.get():
            record.request_id = value
        handled_station, message_id = station_message.get()
        if value := handled_station or station.get():
            record.station = value
        if message_id:
            record.message_id = message_id
        return True


@contextmanager
def message_handled(identity: str, message_id: str) -> Iterator[None]:
    token = station_message.set((identity, message_id))
    try:
        yield
    finally:
        station_message.reset(token)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for LOG_FORMAT ("plain" or "json") and LOG_LEVEL."""
    formatters: dict[str, Any] = {"plain": {"format": PLAIN}}
    if log_format == "json":
        formatters["json"] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    elif log_format != "plain":
        raise ValueError(f"LOG_FORMAT must be plain or json, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "filters": {"context": {"()": "observability.logs.ContextFilter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (debug mode) would print its lines a second time.
            **({"django": {"handlers": [], "propagate": True}} if log_format == "json" else {}),
            "daphne": {"level": "WARNING"},
            "django.channels.server": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},  # one INFO line per webhook POST otherwise
            "axes.apps": {"level": "WARNING"},  # its version at every process start otherwise
        },
    }


def with_request_ids(app: WsgiApp) -> WsgiApp:
    """Django's WSGI handler, with an id for each HTTP request (the proxy's X-Request-ID when
    it sent a sane one): on every log line of the request, Django's own 4xx/5xx line included
    (logged after the middleware has run), and in the response's X-Request-ID."""

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        forwarded = environ.get("HTTP_X_REQUEST_ID", "")
        value = forwarded if _FORWARDED_REQUEST_ID.fullmatch(forwarded) else uuid.uuid4().hex

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, ("X-Request-ID", value)], *exc_info)

        token = request_id.set(value)
        try:
            return app(environ, start)
        finally:
            request_id.reset(token)

    return handle
