"""Daphne's HTTP requests skip Twisted's form parsing, which daphne never reads, and Twisted's
access-log line, which daphne discards or writes twice."""

import io

from daphne.http_protocol import HTTPFactory, WebRequest
from twisted.web import http
from twisted.web.http import Request
from twisted.web.test.requesthelper import DummyChannel

from csms.runtime.daphne_tuning import (
    _without_form_parsing,
    daphne_form_parsing_off,
    daphne_twisted_access_line_off,
)

FORM = b"grant_type=client_credentials&client_id=abc"


class PlainRequest(Request):
    def process(self) -> None:  # the application's turn: nothing to do here
        pass


class TunedRequest(PlainRequest):
    __init__ = _without_form_parsing(Request.__init__)


def received(request: Request) -> Request:
    request.method = b"POST"
    request.requestHeaders.setRawHeaders(b"content-type", [b"application/x-www-form-urlencoded"])
    request.requestHeaders.setRawHeaders(b"content-length", [str(len(FORM)).encode()])
    request.content = io.BytesIO()
    request.content.write(FORM)  # as the channel writes a body it receives
    request.requestReceived(b"POST", b"/oauth/token", b"HTTP/1.1")
    return request


def test_a_form_post_is_not_parsed_into_args_and_its_body_is_kept() -> None:
    plain, tuned = received(PlainRequest(DummyChannel())), received(TunedRequest(DummyChannel()))
    assert plain.args == {b"grant_type": [b"client_credentials"], b"client_id": [b"abc"]}
    assert tuned.args == {}
    assert tuned.content.read() == FORM  # the body the ASGI application gets, untouched


def test_the_switch_is_applied_to_daphne_once() -> None:
    daphne_form_parsing_off()
    wrapped = WebRequest.__init__
    daphne_form_parsing_off()
    assert WebRequest.__init__ is wrapped
    assert wrapped.__wrapped__ is not wrapped  # functools.wraps kept the original


def test_twisted_writes_no_access_line_for_daphne() -> None:
    daphne_twisted_access_line_off()
    request = PlainRequest(DummyChannel())
    twisteds, daphnes = http.HTTPFactory(), HTTPFactory(server=None)
    for factory in (twisteds, daphnes):
        factory._logFile = io.StringIO()
        factory.log(request)
    assert '"192.168.1.1" - -' in twisteds._logFile.getvalue()  # what Twisted alone writes
    assert daphnes._logFile.getvalue() == ""
