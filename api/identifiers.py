"""How the API tells an id from any other text it is given.

The ids the API hands out and reads back in paths:
- UUIDs (assets, networks, groups, partners, webhook endpoints and deliveries);
- decimal ids (sessions, tokens): ASCII digits 0-9 only, at most 18 of them (a bigint);
- requestIds (OCPP message ids, read back at /ocpp/v2/requests/{requestId}): 1 to 36 of
  A-Z a-z 0-9 and `-` `_` `.` `:` `~` (the URL's unreserved characters and `:`), not made of
  dots only. Anything else could not be read back from a path (`/`, `..`, spaces trimmed
  by clients), so it is refused with 400 invalid_request_id.
Text that is none of these (a station's OCPP identity is looked up as given) names nothing.
"""

import re
import uuid

MAX_DECIMAL_ID_DIGITS = 18  # below 2**63: never past a bigint primary key
MAX_REQUEST_ID_LENGTH = 36  # OCPP-J's message id limit
REQUEST_ID_CHARACTERS = "A-Z a-z 0-9 - _ . : ~"
_REQUEST_ID = re.compile(rf"[A-Za-z0-9_.:~-]{{1,{MAX_REQUEST_ID_LENGTH}}}")


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def is_decimal_id(value: str) -> bool:
    """ASCII digits only: str.isdigit() also takes superscripts ('²', which int() refuses)
    and other scripts' digits."""
    return 0 < len(value) <= MAX_DECIMAL_ID_DIGITS and value.isascii() and value.isdigit()


def is_request_id(value: str) -> bool:
    return _REQUEST_ID.fullmatch(value) is not None and value.strip(".") != ""


def request_id_rule() -> str:
    return (
        f"requestId must be 1 to {MAX_REQUEST_ID_LENGTH} of {REQUEST_ID_CHARACTERS}, not dots only."
    )
