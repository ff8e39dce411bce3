"""Numbers, written with a decimal point or a decimal comma, with or without digit grouping.

"1234.5", "1,234.5", "1.234,5", "1 234,5", "12,5" (decimal comma) and the Indian
"1,23,456" all read as people mean them. A single comma followed by exactly three
digits ("1,234") is read as grouping, which is how such numbers are written in the
regions the portal serves.
"""

import math
import re

from .base import InvalidValue

LABEL = "Number"
LIMIT = 10**15
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_PLAIN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse(text: str, *, context) -> int | float:
    compact = _SPACES.sub("", text)
    normalised = _normalise_separators(compact)
    if normalised is None or not _PLAIN.fullmatch(normalised):
        raise InvalidValue("is not a number")
    value = float(normalised)
    if not math.isfinite(value) or abs(value) >= LIMIT:
        raise InvalidValue("is too large a number")
    return int(value) if value.is_integer() else value


def _normalise_separators(text: str) -> str | None:
    """``text`` with "." as the decimal point and no grouping, or None when it cannot be a number."""
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        if not _is_grouped(whole, grouping):
            return None
        return whole.replace(grouping, "") + "." + fraction
    if "," in text:
        parts = text.split(",")
        if len(parts) == 2 and not (len(parts[1]) == 3 and parts[0].lstrip("+-").isdigit() and parts[0].lstrip("+-")):
            return parts[0] + "." + parts[1]  # a decimal comma
        return text.replace(",", "") if _is_grouped(text, ",") else None
    if text.count(".") > 1:
        return text.replace(".", "") if _is_grouped(text, ".") else None
    return text


def _is_grouped(text: str, separator: str) -> bool:
    """Digit groups are three wide (or two, as in 1,23,456), the first one to three wide."""
    groups = text.lstrip("+-").split(separator)
    if len(groups) == 1:
        return groups[0].isdigit() or groups[0] == ""
    head, *rest = groups
    return (
        head.isdigit()
        and 1 <= len(head) <= 3
        and all(g.isdigit() for g in rest)
        and len(rest[-1]) == 3
        and all(len(g) in (2, 3) for g in rest[:-1])
    )


def format_value(value, *, for_csv: bool = False) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value) if for_csv else f"{value:,}"
    text = repr(float(value))
    if for_csv:
        return text
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}.{fraction}" if whole.lstrip("-").isdigit() and "e" not in text else text


def matches(stored, condition: str, value) -> bool:
    if condition == "min":
        return stored >= value
    if condition == "max":
        return stored <= value
    return stored == value
