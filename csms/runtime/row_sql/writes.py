"""The writes: an instance's columns by its key, values where columns match, new rows."""

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

from csms.runtime.row_sql.base import (
    Statement,
    column_of,
    compared,
    concrete_field,
    fields_named,
    saved_values,
)


class RowUpdate(Statement[str]):
    """UPDATE the named columns of an instance's row, by its primary key, with the values the
    instance holds (after each field's `pre_save`, so `auto_now` columns move as in `save`).
    Returns the number of rows updated."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        super().__init__(model)
        self.fields = [concrete_field(model, name) for name in columns]

    def _build(self, connection: BaseDatabaseWrapper, shape: None) -> str:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(column_of(field))} = %s" for field in self.fields)
        key = quote(column_of(self.model._meta.pk))
        return f"UPDATE {quote(self.model._meta.db_table)} SET {assignments} WHERE {key} = %s"

    def run(self, instance: models.Model) -> int:
        connection, sql = self._connection_and_built()
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(instance, connection))
            return cursor.rowcount

    def run_many(self, instances: Sequence[models.Model]) -> None:
        """`run` for each instance, as one `executemany` (psycopg pipelines its statements:
        one round trip for all)."""
        if not instances:
            return
        connection, sql = self._connection_and_built()
        with connection.cursor() as cursor:
            cursor.executemany(sql, [self._params(instance, connection) for instance in instances])

    def _params(self, instance: models.Model, connection: BaseDatabaseWrapper) -> list[Any]:
        params = saved_values(self.fields, instance, connection, add=False)
        params.append(self.model._meta.pk.get_db_prep_value(instance.pk, connection))
        return params


class ValuesUpdate(Statement[str]):
    """UPDATE `columns` to the values given, in the rows matching `where` (column = value for
    each) and `condition`, as `QuerySet.update` does: no `pre_save`, so `auto_now` columns
    stay. Returns the number of rows updated; with the state among `where`, a conditional move
    of a state. `condition`: more SQL for the WHERE clause, naming fields as `{name}` (quoted
    for the database), and the fields whose conversion each of its `%s` values takes; those
    values are given after the ones of `where`."""

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        where: Sequence[str],
        *,
        condition: tuple[str, Sequence[str]] = ("", ()),
    ):
        super().__init__(model)
        self.fields = [concrete_field(model, name) for name in columns]
        self.equal = [concrete_field(model, name) for name in where]
        self.condition, condition_fields = condition
        assert self.condition.count("%s") == len(condition_fields), condition
        # How each value of the WHERE clause is converted: as the field it is compared with.
        self.where = self.equal + [concrete_field(model, name) for name in condition_fields]

    def _build(self, connection: BaseDatabaseWrapper, shape: None) -> str:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(column_of(field))} = %s" for field in self.fields)
        where = [f"{quote(column_of(field))} = %s" for field in self.equal]
        if self.condition:
            where.append(f"({fields_named(self.condition, self.model, connection)})")
        table = quote(self.model._meta.db_table)
        return f"UPDATE {table} SET {assignments} WHERE {' AND '.join(where)}"

    def run(self, values: Sequence[Any], *where_values: Any) -> int:
        connection, sql = self._connection_and_built()
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(self.fields, values, strict=True)
        ]
        params += compared(self.where, where_values, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount


class RowInsert(Statement[str]):
    """INSERT an instance's row, every column, with each field's `pre_save` (so `auto_now_add`
    columns are set, as in `save`); an automatic primary key is read back onto the instance.
    `run_many` inserts several rows with one statement."""

    # Rows per statement of `run_many`, well below PostgreSQL's 65,535 parameters.
    MAX_ROWS = 500

    def __init__(self, model: type[models.Model]):
        super().__init__(model)
        pk = model._meta.pk
        self.generated_pk = pk if isinstance(pk, models.AutoField | models.BigAutoField) else None
        self.fields = [
            field for field in model._meta.concrete_fields if field is not self.generated_pk
        ]

    def _build(self, connection: BaseDatabaseWrapper, count: int) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column_of(field)) for field in self.fields)
        row = f"({', '.join(['%s'] * len(self.fields))})"
        rows = ", ".join([row] * count)
        sql = f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES {rows}"
        if self.generated_pk and connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(column_of(self.generated_pk))}"
        return sql

    def run(self, instance: models.Model) -> None:
        connection, sql = self._connection_and_built(1)
        params = saved_values(self.fields, instance, connection, add=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if self.generated_pk is not None:
                if connection.features.can_return_columns_from_insert:
                    instance.pk = cursor.fetchone()[0]
                else:
                    table, column = self.model._meta.db_table, column_of(self.generated_pk)
                    instance.pk = connection.ops.last_insert_id(cursor, table, column)
        _stored(instance, connection)

    def run_many(self, instances: Sequence[models.Model]) -> None:
        """`run` for each instance, as one INSERT of all their rows (per MAX_ROWS), built
        per connection and number of rows; generated keys are read back in order, as
        `bulk_create` reads them. Where the database cannot return them, one row at a time."""
        connection = connections[router.db_for_write(self.model)]
        returns_rows = connection.features.can_return_rows_from_bulk_insert
        if self.generated_pk is not None and not returns_rows:
            for instance in instances:
                self.run(instance)
            return
        for start in range(0, len(instances), self.MAX_ROWS):
            self._insert_rows(instances[start : start + self.MAX_ROWS])

    def _insert_rows(self, instances: Sequence[models.Model]) -> None:
        connection, sql = self._connection_and_built(len(instances))
        params = [
            value
            for instance in instances
            for value in saved_values(self.fields, instance, connection, add=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if self.generated_pk is not None:
                for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                    instance.pk = pk
        for instance in instances:
            _stored(instance, connection)


def _stored(instance: models.Model, connection: BaseDatabaseWrapper) -> None:
    """The instance is a stored row now (`save` would update it)."""
    instance._state.adding = False
    instance._state.db = connection.alias
