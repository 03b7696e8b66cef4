"""Log lines: JSON on request (LOG_FORMAT=json) with what is known of their origin, plain by
default."""

import io
import json
import logging
import pydoc

import pytest

from observability.logs import ContextFilter, logging_config, message_handled, request_id


def handler_of(log_format: str) -> tuple[logging.Handler, io.StringIO]:
    """The console handler LOGGING describes, writing to a buffer."""
    config = logging_config(log_format=log_format, level="INFO")
    spec = dict(config["formatters"][config["handlers"]["console"]["formatter"]])
    factory = spec.pop("()", None)
    formatter = pydoc.locate(factory)(**spec) if factory else logging.Formatter(spec["format"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)  # type: ignore[arg-type]
    handler.addFilter(ContextFilter())
    return handler, stream


def logged_with(log_format: str, emit) -> str:  # type: ignore[no-untyped-def]
    handler, stream = handler_of(log_format)
    logger = logging.getLogger("tests.observability.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_json_line_carries_the_station_message_and_request_being_handled() -> None:
    def emit(logger: logging.Logger) -> None:
        token = request_id.set("req-7")
        try:
            with message_handled("CP-9", "msg-42"):
                logger.warning("Handling %s failed", "Heartbeat")
        finally:
            request_id.reset(token)

    line = json.loads(logged_with("json", emit))
    assert line["message"] == "Handling Heartbeat failed"
    assert line["level"] == "WARNING" and line["logger"] == "tests.observability.logs"
    assert (line["station"], line["message_id"], line["request_id"]) == ("CP-9", "msg-42", "req-7")
    assert "time" in line


def test_a_json_line_outside_any_message_has_no_empty_fields() -> None:
    line = json.loads(logged_with("json", lambda logger: logger.info("started")))
    assert not {"station", "message_id", "request_id"} & set(line)


def test_the_default_stays_human_readable() -> None:
    text = logged_with("plain", lambda logger: logger.info("started"))
    assert text.rstrip().endswith("INFO tests.observability.logs started")


def test_an_unknown_log_format_stops_the_start() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")
