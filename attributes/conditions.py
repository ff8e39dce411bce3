"""A condition on one attribute's value, as SQL over organization users (SQLite and PostgreSQL).

The Users list's filters and the rules of dynamic groups both ask for people by their
values: this is where their SQL is written, once. ``types.matches`` gives the same answer
for one stored value, in Python.
"""

import datetime as dt

from django.db import connection
from django.db.models import CharField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from . import types

# What a condition may ask of a value of each type.
CONDITIONS = {
    "string": ["contains", "equals"],
    "number": ["min", "max", "equals"],
    "datetime": ["min", "max"],
    "boolean": ["equals"],
}


def value_condition(*, key: str, value_type: str, condition: str, value) -> Q:
    """People whose value of the attribute at ``key`` (``AttributeDefinition.key``) meets ``condition``.

    ``value`` is canonical for ``value_type`` (text for "contains"). Text is compared whatever its case.
    """
    lookup = f"attribute_values__{key}"
    if condition == "contains":
        return Q(**{f"{lookup}__icontains": value})
    if condition == "equals" and value_type == "string":
        return Q(**{f"{lookup}__iexact": value})
    if condition == "equals" and connection.vendor == "postgresql":
        # Containment is what PostgreSQL's GIN index on attribute_values answers.
        return Q(attribute_values__contains={key: value})
    if condition == "equals":
        return Q(**{lookup: value})
    if value_type == "datetime":
        return _date_range(key, condition, value)
    return Q(**{f"{lookup}__{'gte' if condition == 'min' else 'lte'}": value})


def _date_range(key: str, condition: str, value: str) -> Q:
    # Dates are ISO text: "until 31 March" must include everything on 31 March.
    text = Cast(KT(f"attribute_values__{key}"), output_field=CharField())
    if condition == "min":
        return Q(GreaterThanOrEqual(text, value))
    if value[:10] == dt.date.max.isoformat():
        # Until the last day there is: every date, and no next day to stop before.
        return Q(**{f"attribute_values__{key}__isnull": False})
    return Q(LessThan(text, types.datetime.day_after(value)))
