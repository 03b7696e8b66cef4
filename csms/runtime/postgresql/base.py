"""Django's PostgreSQL backend, with the loaders it registers replaced by psycopg's own.

Django registers its own loaders for `timestamptz` (to set the connection's time zone on
every value) and for `jsonb`, `inet` and `cidr` (to keep them text). Being Python classes,
they replace psycopg's C loaders: every timestamp read was parsed by a regular expression in
Python, a large part of the CPU of a charging session's locked read in a daphne profile of the
messages benchmark (docs/PERFORMANCE.md, fix 38). Here each one does the same through the C
loader: the timestamp is parsed in C and then given Django's time zone, as Django's loader
does; JSON and addresses stay text. Where psycopg has no C extension, its Python loaders
serve, as in Django's backend.
"""

import functools
from typing import Any

from django.db.backends.postgresql import base
from psycopg import adapt, adapters, postgres
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid
TEXT_OID = postgres.types["text"].oid


def _tz_loader(template: adapt.AdaptersMap) -> type[TimestamptzLoader]:
    """Django's time-zone loader class of `template`, loading through psycopg's C parser."""
    djangos = template.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    parser = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert djangos is not None and parser is not None
    parse_in_c = parser  # narrowed: the class below reads it

    class ParsedInC(djangos):  # type: ignore[misc, valid-type]
        def __init__(self, oid: int, context: Any = None):
            super().__init__(oid, context)
            self._parse = parse_in_c(oid, context).load

        def load(self, data: Any) -> Any:
            return self._parse(data).replace(tzinfo=self.timezone)

    return ParsedInC


@functools.cache
def _adapters(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """`template` (Django's adapters for a time zone) with the C loaders."""
    faster = adapt.AdaptersMap(template)
    faster.register_loader("timestamptz", _tz_loader(template))
    text = adapters.get_loader(TEXT_OID, Format.TEXT)
    assert text is not None  # psycopg always has a text loader
    for name in ("jsonb", "inet", "cidr"):
        faster.register_loader(name, text)
    return faster


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["context"] = _adapters(params["context"])
        return params
