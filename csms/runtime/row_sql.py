"""Statements of a fixed shape, built once per process, for the hot paths.

Django builds a queryset's SQL anew each time it runs. For a one-row SELECT or UPDATE by key
that costs more than running the statement: the locked session read of every MeterValues took
0.73 ms of CPU through `get()` and 0.23 ms as the same SQL on a cursor (measured in process on
the 2-core development machine, docs/PERFORMANCE.md, fix 33). The statements here are built from
the model's `_meta` on first use, per database connection (and per number of rows or keys where
that varies), and run on Django's cursor: they are part of the transaction, captured by
`CaptureQueriesContext`, and every value passes through its field's own conversions both ways,
as the ORM's do, so a row read is the model instance the ORM would return. No signals are sent;
use them only for models nothing listens to.

  RowSelect     one row by equality (optionally FOR UPDATE), as `get()`
  RowsIn        the rows whose key is among some values, as `filter(key__in=...)`
  RowsWhere     the rows matching a condition, ordered, limited, optionally locked, as
                `filter(...).order_by(...)[:n]`
  RowUpdate     an instance's named columns by its key, as `save(update_fields=...)`
                (`run_many`: several instances, one round trip)
  ValuesUpdate  given values where columns equal given values (and a condition), as
                `filter(...).update(...)`
  RowInsert     an instance's row, as `save()` of a new one (`run_many`: as `bulk_create`)
"""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)
Built = TypeVar("Built")
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def concrete_field(model: type[models.Model], name: str) -> models.Field:  # type: ignore[type-arg]
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.concrete, name
    return field


class Statement(Generic[Built]):
    """A statement on one model's table, built by `_build` on first use per connection and
    shape: None for a statement of one fixed form, else what its SQL varies with (e.g. the
    number of keys of an IN, or of rows of an INSERT)."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.built: dict[tuple[str, Any], Built] = {}

    def _build(self, connection: BaseDatabaseWrapper, shape: Any) -> Built:
        raise NotImplementedError

    def _connection_and_built(self, shape: Any = None) -> tuple[BaseDatabaseWrapper, Built]:
        connection = connections[router.db_for_write(self.model)]
        key = (connection.alias, shape)
        if key not in self.built:
            self.built[key] = self._build(connection, shape)
        return connection, self.built[key]


def _saved_values(
    fields: Sequence[models.Field],  # type: ignore[type-arg]
    instance: models.Model,
    connection: BaseDatabaseWrapper,
    *,
    add: bool,
) -> list[Any]:
    """What `save` would write of `fields`: each field's `pre_save`, prepared for the database."""
    return [
        field.get_db_prep_save(field.pre_save(instance, add=add), connection) for field in fields
    ]


Converters = list[tuple[int, list[Converter], Any]]


def field_converters(
    fields: Sequence[models.Field],  # type: ignore[type-arg]
    connection: BaseDatabaseWrapper,
) -> Converters:
    """The conversions the ORM applies to a row of `fields` (of any models) read from the
    database, e.g. a UUID from SQLite's text, JSON parsed: (position, converters, column)
    where there are any."""
    found_all = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            found_all.append((position, found, column))
    return found_all


def converted(
    row: Sequence[Any], converters: Converters, connection: BaseDatabaseWrapper
) -> list[Any]:
    """`row` as read from the cursor, with each field's conversions applied."""
    values = list(row)
    for position, found, column in converters:
        for converter in found:
            values[position] = converter(values[position], column, connection)
    return values


def _loaded_fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field]:  # type: ignore[type-arg]
    """The fields named in `columns` and the primary key, as `only()` loads them (all
    concrete ones when none are named), in the model's order of fields: `from_db` takes the
    values of a partial row so."""
    if not columns:
        return list(model._meta.concrete_fields)
    named = {concrete_field(model, name) for name in columns} | {model._meta.pk}
    return [field for field in model._meta.concrete_fields if field in named]


def fields_named(template: str, model: type[models.Model], connection: BaseDatabaseWrapper) -> str:
    """`template` with each `{name}` of one of the model's concrete fields replaced by its
    column, quoted for the database."""
    quote = connection.ops.quote_name
    return template.format(
        **{field.name: quote(field.column) for field in model._meta.concrete_fields}
    )


def _compared(
    fields: Sequence[models.Field],  # type: ignore[type-arg]
    values: Sequence[Any],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    """`values` prepared for the database as the fields they are compared with."""
    return [
        field.get_db_prep_value(value, connection, prepared=False)
        for field, value in zip(fields, values, strict=True)
    ]


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
        columns = ", ".join(quote(field.column) for field in self.fields)
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
        where = " AND ".join(f"{quote(field.column)} = %s" for field in self.where)
        sql = f"{self._select_from(connection)} WHERE {where}"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        return sql, field_converters(self.fields, connection)

    def get(self, *values: Any) -> M | None:
        connection, (sql, converters) = self._connection_and_built()
        with connection.cursor() as cursor:
            cursor.execute(sql, _compared(self.where, values, connection))
            rows = cursor.fetchmany(2)
        if not rows:
            return None
        if len(rows) > 1:  # not the unique row the caller's `where` promised: as `get()` does
            raise self.model.MultipleObjectsReturned(f"more than one row for {values}")
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
        where = "".join(f" AND {quote(field.column)} = %s" for field in self.where)
        sql = f"{self._select_from(connection)} WHERE {quote(self.key.column)} IN ({keys}){where}"
        return sql, field_converters(self.fields, connection)

    def rows(self, keys: Sequence[Any], *values: Any) -> list[M]:
        if not keys:
            return []
        connection, (sql, converters) = self._connection_and_built(len(keys))
        params = [self.key.get_db_prep_value(key, connection, prepared=False) for key in keys]
        params += _compared(self.where, values, connection)
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
            sql, _compared(self.where, values, connection), converters, connection
        )

    def first(self, *values: Any) -> M | None:
        found = self.rows(*values)
        return found[0] if found else None


class RowUpdate(Statement[str]):
    """UPDATE the named columns of an instance's row, by its primary key, with the values the
    instance holds (after each field's `pre_save`, so `auto_now` columns move as in `save`).
    Returns the number of rows updated."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        super().__init__(model)
        self.fields = [concrete_field(model, name) for name in columns]

    def _build(self, connection: BaseDatabaseWrapper, shape: None) -> str:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
        key = quote(self.model._meta.pk.column)
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
        params = _saved_values(self.fields, instance, connection, add=False)
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
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
        where = [f"{quote(field.column)} = %s" for field in self.equal]
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
        params += _compared(self.where, where_values, connection)
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
        columns = ", ".join(quote(field.column) for field in self.fields)
        row = f"({', '.join(['%s'] * len(self.fields))})"
        rows = ", ".join([row] * count)
        sql = f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES {rows}"
        if self.generated_pk and connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(self.generated_pk.column)}"
        return sql

    def run(self, instance: models.Model) -> None:
        connection, sql = self._connection_and_built(1)
        params = _saved_values(self.fields, instance, connection, add=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if self.generated_pk is not None:
                if connection.features.can_return_columns_from_insert:
                    instance.pk = cursor.fetchone()[0]
                else:
                    table, column = self.model._meta.db_table, self.generated_pk.column
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
            for value in _saved_values(self.fields, instance, connection, add=True)
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
