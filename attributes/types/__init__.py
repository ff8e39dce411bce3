"""Attribute value types: one module per type owns parsing, validation and formatting.

Every place that reads or writes an attribute value (forms, filters, the CSV import
and export) goes through ``parse`` and ``format_value`` here, so a value means the
same thing everywhere. Values are stored in a canonical, JSON-friendly form:

- string: the text, trimmed;
- number: a JSON number (int when whole);
- yes/no: ``true`` / ``false``;
- date/time: ISO 8601, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]``, which sorts as text.
"""

from dataclasses import dataclass
from types import ModuleType

from . import boolean, datetime, number, string
from .base import CLEAR, InvalidValue, ParseContext, is_clear

TYPES: dict[str, ModuleType] = {
    "string": string,
    "number": number,
    "boolean": boolean,
    "datetime": datetime,
}
CHOICES = [(key, module.LABEL) for key, module in TYPES.items()]

__all__ = [
    "CHOICES",
    "CLEAR",
    "TYPES",
    "InvalidValue",
    "ParseContext",
    "Conversion",
    "convert",
    "format_value",
    "is_clear",
    "matches",
    "parse",
    "same_value",
]


def parse(value_type: str, raw, *, context: ParseContext | None = None):
    """Canonical value of ``raw`` (text a person wrote), or ``None`` when it is blank.

    Raises ``InvalidValue`` with a reason such as "is not a number".
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    return TYPES[value_type].parse(text, context=context or ParseContext())


def format_value(value_type: str, value, *, for_csv: bool = False) -> str:
    """Text of a canonical value: for reading on a page, or for a CSV cell that re-imports as the same value."""
    if value is None:
        return ""
    return TYPES[value_type].format_value(value, for_csv=for_csv)


def matches(value_type: str, stored, condition: str, value) -> bool:
    """Whether a stored value meets a condition ("equals", "contains", "min", "max") on ``value``, canonical both.

    The same answer as the database's (``attributes.conditions``): a person without a value meets no condition.
    """
    if stored is None:
        return False
    return TYPES[value_type].matches(stored, condition, value)


def same_value(value_type: str, a, b) -> bool:
    """Whether two stored values mean the same: a date stored at midnight and the date alone do."""
    if a == b:
        return True
    if a is None or b is None or type(a) is not type(b):
        return False
    return format_value(value_type, a, for_csv=True) == format_value(value_type, b, for_csv=True)


@dataclass(frozen=True)
class Conversion:
    converted: dict
    failures: list[tuple[object, str]]


def convert(from_type: str, to_type: str, values: dict, *, context: ParseContext | None = None) -> Conversion:
    """Convert stored values (keyed by anything) from one type to another, listing what does not fit."""
    converted, failures = {}, []
    for key, value in values.items():
        text = format_value(from_type, value, for_csv=True)
        try:
            converted[key] = parse(to_type, text, context=context)
        except InvalidValue as error:
            failures.append((text, str(error)))
    return Conversion(converted=converted, failures=failures)
