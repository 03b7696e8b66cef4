"""The SELECTs: one row by equality, the rows of some keys, the rows of a condition."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from csms.runtime.row_sql.base import (
    Converters,
    Statement,
    column_of,
    compared,
    concrete_field,
    converted,
    field_converters,
    fields_named,
)

M = TypeVar("M", bound=models.Model)


def _loaded_fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field]:
    """The fields named in `columns` and the primary key, as `only()` loads them (all
    concrete ones when none are named), in the model's order of fields: `from_db` takes the
    values of a partial row so."""
    if not columns:
        return list(model._meta.concrete_fields)
    named = {concrete_field(model, name) for name in columns} | {model._meta.pk}
    return [field for field in model._meta.concrete_fields if field in named]


SelectBuilt = tuple[str, Converters]


class _Select(Statement[SelectBuilt], Generic[M]):
    """What the SELECTs share: the fields they load (`columns`: only these, the others
    deferred, as with `only()`; every column by default), and the instances of their rows."""

    def __init__(self, model: type[M], columns: Sequence[str]):
        super().__init__(model)
        self.model: type[M] = model
        self.fields = _loaded_fields(model, columns)
        self.field_names = {field.attname for field in self.fields}

    def _select_from(self, connection: BaseDatabaseWrapper) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column_of(field)) for field in self.fields)
        return f"SELECT {columns} FROM {quote(self.model._meta.db_table)}"

    def _instance(
        self, row: Sequence[Any], converters: Converters, connection: BaseDatabaseWrapper
    ) -> M:
        values = converted(row, converters, connection)
        return self.model.from_db(connection.alias, self.field_names, values)

    def _instances(
        self,
        sql: str,
        params: Sequence[Any],
        converters: Converters,
        connection: BaseDatabaseWrapper,
    ) -> list[M]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return [self._instance(row, converters, connection) for row in found]


class RowSelect(_Select[M]):
    """SELECT the one row matching `where` (column = value for each name), optionally FOR
    UPDATE where the database has it; `get` returns the instance or None. `columns`: only
    these are loaded (the others are deferred, as with `only()`); every column by default."""

    def __init__(
        self,
        model: type[M],
        where: Sequence[str],
        *,
        for_update: bool = False,
        columns: Sequence[str] = (),
    ):
        super().__init__(model, columns)
        self.where = [concrete_field(model, name) for name in where]
        self.for_update = for_update

    def _build(self, connection: BaseDatabaseWrapper, shape: None) -> SelectBuilt:
        quote = connection.ops.quote_name
        where = " AND ".join(f"{quote(column_of(field))} = %s" for field in self.where)
        sql = f"{self._select_from(connection)} WHERE {where}"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        return sql, field_converters(self.fields, connection)

    def get(self, *values: Any) -> M | None:
        connection, (sql, converters) = self._connection_and_built()
        with connection.cursor() as cursor:
            cursor.execute(sql, compared(self.where, values, connection))
            rows = cursor.fetchmany(2)
        if not rows:
            return None
        if len(rows) > 1:  # not the unique row the caller's `where` promised: as `get()` does
            # (every concrete model has its own MultipleObjectsReturned; the stubs see only M)
            raise self.model.MultipleObjectsReturned(  # type: ignore[attr-defined]
                f"more than one row for {values}"
            )
        return self._instance(rows[0], converters, connection)


class RowsIn(_Select[M]):
    """SELECT the rows whose `key` is one of the given values and whose `where` columns equal
    the values given for them; `rows` returns the instances, in no particular order. Built
    once per connection and number of keys. `columns` as for RowSelect."""

    def __init__(
        self,
        model: type[M],
        key: str,
        *,
        where: Sequence[str] = (),
        columns: Sequence[str] = (),
    ):
        super().__init__(model, columns)
        self.key = concrete_field(model, key)
        self.where = [concrete_field(model, name) for name in where]

    def _build(self, connection: BaseDatabaseWrapper, count: int) -> SelectBuilt:
        quote = connection.ops.quote_name
        keys = ", ".join(["%s"] * count)
        where = "".join(f" AND {quote(column_of(field))} = %s" for field in self.where)
        sql = (
            f"{self._select_from(connection)} WHERE {quote(column_of(self.key))} IN ({keys}){where}"
        )
        return sql, field_converters(self.fields, connection)

    def rows(self, keys: Sequence[Any], *values: Any) -> list[M]:
        if not keys:
            return []
        connection, (sql, converters) = self._connection_and_built(len(keys))
        params = [self.key.get_db_prep_value(key, connection, prepared=False) for key in keys]
        params += compared(self.where, values, connection)
        return self._instances(sql, params, converters, connection)


class RowsWhere(_Select[M]):
    """SELECT the rows matching `condition`: SQL naming fields as `{name}` (quoted for the
    database), and the fields whose conversion each of its `%s` values takes. `order_by`: SQL
    naming fields so too (e.g. "{started_at} DESC, {id} DESC"); `limit`: at most so many rows;
    `for_update`: the rows locked where the database can lock them. `rows` returns the
    instances, `first` the first one or None. `columns` as for RowSelect."""

    def __init__(
        self,
        model: type[M],
        condition: tuple[str, Sequence[str]],
        *,
        order_by: str = "",
        limit: int | None = None,
        for_update: bool = False,
        columns: Sequence[str] = (),
    ):
        super().__init__(model, columns)
        self.condition, condition_fields = condition
        assert self.condition.count("%s") == len(condition_fields), condition
        self.where = [concrete_field(model, name) for name in condition_fields]
        self.order_by, self.limit, self.for_update = order_by, limit, for_update

    def _build(self, connection: BaseDatabaseWrapper, shape: None) -> SelectBuilt:
        condition = fields_named(self.condition, self.model, connection)
        sql = f"{self._select_from(connection)} WHERE {condition}"
        if self.order_by:
            sql += f" ORDER BY {fields_named(self.order_by, self.model, connection)}"
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        return sql, field_converters(self.fields, connection)

    def rows(self, *values: Any) -> list[M]:
        connection, (sql, converters) = self._connection_and_built()
        return self._instances(
            sql, compared(self.where, values, connection), converters, connection
        )

    def first(self, *values: Any) -> M | None:
        found = self.rows(*values)
        return found[0] if found else None
