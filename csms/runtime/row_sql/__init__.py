"""Statements of a fixed shape, built once per process, for the measured hot paths.

Django builds a queryset's SQL anew each time it runs; for a one-row SELECT or UPDATE by key
that costs more than running the statement (docs/PERFORMANCE.md, fix 33). The statements here
are built from the model's `_meta` on first use, per database connection (and per number of
rows or keys where that varies), and run on Django's cursor: they are part of the transaction,
captured by `CaptureQueriesContext`, and every value passes through its field's own
conversions both ways, as the ORM's do, so a row read is the model instance the ORM would
return. No signals are sent; use them only for models nothing listens to.

Each app keeps the statements it runs in its own `statements.py`, each with its reason; the
ORM everywhere else.

  RowSelect     one row by equality (optionally FOR UPDATE), as `get()`
  RowsIn        the rows whose key is among some values, as `filter(key__in=...)`
  RowsWhere     the rows matching a condition, ordered, limited, optionally locked, as
                `filter(...).order_by(...)[:n]`
  RowUpdate     an instance's named columns by its key, as `save(update_fields=...)`
                (`run_many`: several instances, one round trip)
  ValuesUpdate  given values where columns equal given values (and a condition), as
                `filter(...).update(...)`
  RowInsert     an instance's row, as `save()` of a new one (`run_many`: as `bulk_create`)

A statement of another shape (a join, a subquery) subclasses `Statement` with the helpers of
`row_sql.base`, as ocpp_bridge/statements.py does for the claim.
"""

from csms.runtime.row_sql.base import (
    Converters,
    Statement,
    column_of,
    concrete_field,
    converted,
    field_converters,
    fields_named,
)
from csms.runtime.row_sql.reads import RowSelect, RowsIn, RowsWhere
from csms.runtime.row_sql.writes import RowInsert, RowUpdate, ValuesUpdate

__all__ = [
    "Converters",
    "RowInsert",
    "RowSelect",
    "RowUpdate",
    "RowsIn",
    "RowsWhere",
    "Statement",
    "ValuesUpdate",
    "column_of",
    "concrete_field",
    "converted",
    "field_converters",
    "fields_named",
]
