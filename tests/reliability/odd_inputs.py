"""Input classes both fuzzers once missed (issue 25): JSON nested far deeper than anything real,
digits that are not ASCII, NUL and other control characters where an id or a number is read.

Deep JSON is built as text, never with json.dumps: Python's encoder recurses once per level and
gives up near 1000, while a station or an API client may send 2000 levels in 4 KB.
"""

from typing import Any

from hypothesis import strategies as st

# Characters that str.isdigit() / int() / \d accept, though no JSON number or id uses them.
UNICODE_DIGITS = st.one_of(
    # Look-alikes of ASCII digits on purpose: what a careless int() would read as a number.
    st.sampled_from(["²", "٣", "１２", "߀", "𝟘", "৭", "Ⅻ", "①", "٣٤", "۹", "₃", "1٣"]),  # noqa: RUF001
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=4),
)
CONTROL_TEXT = st.one_of(
    st.sampled_from(["\x00", "1\x00", "\x00abc", "\x01", "\x1f", "\x7f", "1\n", "\t1", "\r\n"]),
    st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=4),
)
ODD_ID = st.one_of(UNICODE_DIGITS, CONTROL_TEXT)
DEPTH = st.integers(30, 2000)

# What may stand in for a JSON string's text in a raw body: NUL and lone surrogates as escapes,
# a raw NUL (a control character, not allowed in a JSON string), and bytes that are not UTF-8
# (a surrogate encoded as UTF-8 would be, and a stray 0xff).
ODD_STRING_LITERALS = st.sampled_from(
    [
        b'"a\x00b"', b'"\\u0000"', b'"x\\u0000y"', b'"\\ud800"', b'"\\udfff x"',
        b'"\\ud800\\u0000"', b'"\xed\xa0\x80"', b'"\xff"', b'"\x01\x1f"',
    ]
)  # fmt: skip


def nested_text(depth: int, as_object: bool, leaf: str = "0") -> str:
    """`depth` levels of arrays ([[[0]]]) or objects ({"a":{"a":0}}), as JSON text."""
    if as_object:
        return '{"a":' * depth + leaf + "}" * depth
    return "[" * depth + leaf + "]" * depth


# Python's JSON parser gives up (RecursionError) near the interpreter's recursion limit, 1000
# less the caller's own stack: the depths around it are left out, so a generated value is
# surely read (below) or surely not (above), in this process and in the server's.
PARSER_GIVES_UP = (800, 1100)


@st.composite
def deep_json(draw: st.DrawFn, min_depth: int = 30) -> tuple[int, bool, str]:
    """(depth, as_object, text) for a value nesting min_depth..2000 levels."""
    low, high = PARSER_GIVES_UP
    depth = draw(st.one_of(st.integers(min_depth, low), st.integers(high, 2000)))
    as_object = draw(st.booleans())
    return depth, as_object, nested_text(depth, as_object)


@st.composite
def truncated(draw: st.DrawFn, text: str) -> str:
    """A strict prefix of `text` (itself a JSON array or object): never complete JSON."""
    return text[: draw(st.integers(1, len(text) - 1))]


def with_placeholder(value: Any, placeholder: str, pick: int) -> Any:
    """`value` (a JSON object or anything else) with one field (the pick-th, wrapping round)
    set to `placeholder`, so its serialised text can have raw bytes put where it stands."""
    if isinstance(value, dict) and value:
        keys = sorted(value, key=str)
        return {**value, keys[pick % len(keys)]: placeholder}
    return {"value": placeholder}
