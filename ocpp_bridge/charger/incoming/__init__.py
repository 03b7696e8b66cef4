"""What the CSMS does with the text messages of stations: parse, log, validate, handle,
answer. Runs in a worker thread (it touches the database); the consumer only moves text.

- `single`: one message handled on its own (`process_text`, `process_binary`).
- `grouped`: messages of several stations in one transaction (`process_texts`, group commit).
- `checks`: what is decided before the database is touched (parse, handler, validation).
- `answers`: a station's answers to the CSMS's calls, stored on their calls.
- `frames`: the frame log's entries for what came in and what went out.
"""

from ocpp_bridge.charger.incoming.grouped import process_texts
from ocpp_bridge.charger.incoming.single import (
    LAST_SEEN_WRITE_INTERVAL,
    internal_error_reply,
    process_binary,
    process_text,
)

__all__ = [
    "LAST_SEEN_WRITE_INTERVAL",
    "internal_error_reply",
    "process_binary",
    "process_text",
    "process_texts",
]
