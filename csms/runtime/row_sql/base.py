"""What every statement shares: building once per connection and shape, and each field's
conversions both ways (to the database as `save` and a lookup prepare a value, from it as the
ORM reads one)."""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

Built = TypeVar("Built")
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.concrete, name
    return field


def column_of(field: models.Field) -> str:
    """The field's column: every concrete field has one."""
    assert field.column is not None, field
    return field.column


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


def saved_values(
    fields: Sequence[models.Field],
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
    fields: Sequence[models.Field],
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


def fields_named(template: str, model: type[models.Model], connection: BaseDatabaseWrapper) -> str:
    """`template` with each `{name}` of one of the model's concrete fields replaced by its
    column, quoted for the database."""
    quote = connection.ops.quote_name
    return template.format(
        **{field.name: quote(column_of(field)) for field in model._meta.concrete_fields}
    )


def compared(
    fields: Sequence[models.Field],
    values: Sequence[Any],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    """`values` prepared for the database as the fields they are compared with."""
    return [
        field.get_db_prep_value(value, connection, prepared=False)
        for field, value in zip(fields, values, strict=True)
    ]
