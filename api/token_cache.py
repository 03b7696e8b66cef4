"""Bearer tokens checked from memory.

Every API request looked its bearer token up: a SELECT joined to its client and user, a visible
share of daphne's CPU in the raw-request benchmarks (docs/PERFORMANCE.md). Each process now
keeps the tokens it has seen, as exact as the database across processes: every saved or
deleted token, API client or user replaces a shared version (api/apps.py) at once and again
after the commit, and a cached token is used only under the version it was read with. A write
that bypasses the ORM's signals (a queryset `update()`) is seen within MAX_AGE_SECONDS. Expiry
and scopes are still checked on every request by django-oauth-toolkit, on the cached row, which
holds only the scopes its client still grants (api/oauth_validator.py): removing a scope from a
client saves the client, so its live tokens lose the scope at once, as a network change does.
If Redis cannot be read, every request reads its token from the database.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.db import transaction
from oauth2_provider.models import AbstractAccessToken

from csms.runtime.shared_version import SharedVersion
from csms.throttled_log import ThrottledLog

logger = logging.getLogger(__name__)

VERSION = SharedVersion("csms:oauth-tokens:version")
MAX_AGE_SECONDS = 5.0
# Unknown tokens are never cached, so guessing cannot fill the memory; live ones are bounded.
MAX_ENTRIES = 10_000

_lock = threading.Lock()
_entries: OrderedDict[str, tuple[str | None, float, AbstractAccessToken]] = OrderedDict()
_version_failures = ThrottledLog(logger)


def access_token_cached(
    token: str, *, load: Callable[[str], AbstractAccessToken | None]
) -> AbstractAccessToken | None:
    """The stored token for the bearer string `token` (None: none), from memory when current."""
    try:
        version = VERSION.current()
    except Exception:
        _version_failures.warning("OAuth token version unreadable; reading tokens each time")
        return load(token)
    key = hashlib.sha256(token.encode()).hexdigest()
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
    if entry is not None and entry[0] == version and now - entry[1] < MAX_AGE_SECONDS:
        return entry[2]
    found = load(token)
    with _lock:
        if found is None:
            _entries.pop(key, None)
        else:
            _entries[key] = (version, now, found)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return found


def tokens_changed() -> None:
    """A token, API client or user was saved or deleted. Replaced now, so this transaction's
    own later requests see it, and after the commit, so that no process keeps what it read
    from before the commit under the version replaced now."""
    VERSION.replace()
    transaction.on_commit(VERSION.replace)
