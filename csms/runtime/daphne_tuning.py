"""Work daphne's HTTP server does for nothing, switched off in the processes that serve us.

Twisted's HTTP request, which daphne's `WebRequest` is, parses the Content-Type of every POST
with the standard library's email header machinery, to fill `request.args` with the fields of
a form or multipart upload. Daphne never reads `request.args`: it hands the raw body to the
ASGI application, where Django parses it again. That parse was 16 % of the event loop's time
in daphne during the async raw-request benchmark (py-spy, docs/PERFORMANCE.md, 12-01), and it
held a second copy of every form field in memory. Twisted offers the switch
(`parsePOSTFormSubmission`); daphne does not pass it, so it is set here on each request.

Twisted's HTTP factory also formats an access-log line for every request and hands it to the
Twisted log, which daphne discards (verbosity 0 and 1) or forwards to Python's logging
(2 and up) beside its own access log, which writes the same request again: 3-4 % of daphne's
CPU in the async raw-request benchmark (py-spy, docs/PERFORMANCE.md, fix 40). Daphne's own
access log is left as it is.
"""

import functools
from collections.abc import Callable
from typing import Any

_APPLIED = "_csms_form_parsing_off"


def daphne_form_parsing_off() -> None:
    """Make daphne's HTTP requests skip Twisted's form parsing. Idempotent; a process without
    daphne installed is left as it is."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:
        return
    if getattr(WebRequest.__init__, _APPLIED, False):
        return
    WebRequest.__init__ = _without_form_parsing(WebRequest.__init__)


def daphne_twisted_access_line_off() -> None:
    """Make daphne's HTTP factory skip Twisted's access-log line (daphne's own stays).
    Idempotent; a process without daphne installed is left as it is."""
    try:
        from daphne.http_protocol import HTTPFactory
    except ImportError:
        return
    HTTPFactory.log = _no_twisted_access_line


def _no_twisted_access_line(self: Any, request: Any) -> None:
    """Twisted's `HTTPFactory.log`, writing nothing."""


def _without_form_parsing(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def init_without_form_parsing(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        # Read by twisted.web.http.Request.requestReceived, once the body has arrived.
        self._parsePOSTFormSubmission = False

    setattr(init_without_form_parsing, _APPLIED, True)
    return init_without_form_parsing
