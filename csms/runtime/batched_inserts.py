"""Rows that many handlers add in one transaction, written with one INSERT per model.

A group commit (ocpp_bridge/charger/group_commit.py) handles the messages of many stations in one
transaction; each MeterValues among them adds its samples. Inside `inserts_batched()` those
rows are kept and written together when the block ends, still inside the transaction: one
INSERT instead of one per message. Rows kept this way cannot be read back before the block
ends, so only rows nothing reads in the same transaction go through `insert`.
"""

import functools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models

from csms.runtime.row_sql import RowInsert

_pending = threading.local()


@contextmanager
def inserts_batched() -> Iterator[None]:
    """Keep the rows given to `insert` in this thread; write them (one INSERT per model) when
    the block ends without an error. Use it inside the transaction that adds them."""
    if getattr(_pending, "rows", None) is not None:  # an outer block writes them
        yield
        return
    _pending.rows = {}
    try:
        yield
        rows: dict[type[models.Model], list[models.Model]] = _pending.rows
    finally:
        _pending.rows = None  # after an error the rows go with the rolled-back transaction
    for model, objects in rows.items():
        _insert_now(model, objects)


def insert(model: type[models.Model], objects: Iterable[models.Model]) -> None:
    """Add rows now, or with the others of the enclosing `inserts_batched` block."""
    pending: dict[type[models.Model], list[models.Model]] | None = getattr(_pending, "rows", None)
    if pending is None:
        _insert_now(model, list(objects))
    else:
        pending.setdefault(model, []).extend(objects)


def _insert_now(model: type[models.Model], objects: list[models.Model]) -> None:
    """One INSERT for all the rows, built once per model (csms/runtime/row_sql/): `bulk_create`
    compiled it anew every time (docs/PERFORMANCE.md, fix 35). No signals, as bulk_create."""
    _insert_statement(model).run_many(objects)


@functools.cache
def _insert_statement(model: type[models.Model]) -> RowInsert:
    return RowInsert(model)
