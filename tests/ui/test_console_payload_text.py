"""The console refuses payload text no station means and PostgreSQL cannot store (NUL, a lone
surrogate) or nesting past any payload's, instead of failing with a 500 on an online station."""

import json

import pytest

from ui.console import ConsoleRefusedError, console_request_parse


@pytest.mark.parametrize(
    "body",
    [
        b'{"action": "Reset", "payload": {"type": "a\\u0000b"}}',
        b'{"action": "Reset", "payload": {"type": "\\ud800"}}',
        b'{"action": "Reset", "payload": {"\\udfff": "Immediate"}}',
        json.dumps({"action": "Reset", "payload": {"x": json.loads("[" * 40 + "]" * 40)}}).encode(),
        b'{"action": "Reset", "payload": ' + b"[" * 100_000,
    ],
)
def test_console_payload_with_nul_surrogate_or_deep_nesting_is_invalid_payload(body) -> None:
    with pytest.raises(ConsoleRefusedError) as refused:
        console_request_parse(body)
    assert refused.value.refusal.code == "invalid_payload"


def test_console_payload_of_plain_text_is_taken() -> None:
    assert console_request_parse(b'{"action": "Reset", "payload": {"type": "Immediate"}}') == (
        "Reset",
        {"type": "Immediate"},
    )
