from dataclasses import dataclass

# What a cell of an import file holds to clear a value (an empty cell leaves it as it is).
# No type reads it as a value: not a number, a date or Yes/No, and text refuses it (see
# ``string.parse``); nor does a spreadsheet read it as a formula or one of its errors (#N/A).
CLEAR = "#CLEAR"


def is_clear(text: str) -> bool:
    """Whether a cell's text (trimmed) asks to clear the value; in any case, as people type it."""
    return text.upper() == CLEAR


class InvalidValue(ValueError):
    """Raised with a reason a person can act on, e.g. "is not a number"."""


@dataclass(frozen=True)
class ParseContext:
    """What parsing depends on beyond the text: the organization's preferred date order."""

    date_order: str = "DMY"
