"""How the API tells an id from any other text it is given."""

import uuid


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
