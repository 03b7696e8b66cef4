"""Input serializers whose fields are built once per class instead of once per request."""

from typing import ClassVar

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


class FieldsBuiltOnce(serializers.Serializer):
    """A serializer whose fields are built and bound once, for its class.

    DRF deep-copies every declared field for each serializer instance, which runs each field's
    `__init__` again: for the raw request, on every call, its eight fields cost more than the
    checks they make (docs/PERFORMANCE.md, fix 43). Only for input serializers whose fields
    keep nothing of one validation for the next and read no serializer context: the fields
    are bound to the first instance, which only their `parent`, `root` and `context` show. An
    instance's own state (its data, errors and validated data) stays its own.
    """

    # Set on each class by its first instance (read through the class's own __dict__, so that a
    # subclass never serves its parent's fields).
    _fields_built_once: ClassVar[BindingDict]

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        built: BindingDict | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            # Two threads may both build them: the sets are alike, the class keeps the last
            # one stored, and the other serves only the instance that built it.
            built = BindingDict(self)
            for name, field in self.get_fields().items():
                built[name] = field
            cls._fields_built_once = built
        return built
