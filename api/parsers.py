"""The API's JSON parser: DRF's, with a bound on nesting and on the text it may hold.

Python's json module recurses once per level, so a body of 100 000 `[` raised
RecursionError (a 500), and a payload a thousand levels deep would still recurse through
schema validation and rendering. No OCPP payload or API body comes near MAX_JSON_DEPTH.
"""

from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJsonParser

# The same bound as for a station's frame: an API body carries OCPP payloads.
from ocpp_bridge.protocol.framing import MAX_JSON_DEPTH, json_depth


def unstorable_text(value: Any) -> bool:
    """True if a string in `value` (key or value) holds NUL or an unpaired surrogate: no
    station means such text, PostgreSQL cannot store it and UTF-8 cannot carry it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JSONParser(DrfJsonParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise _too_deep()
        return data


def _too_deep() -> ParseError:
    return ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.", code="json_too_deep")
