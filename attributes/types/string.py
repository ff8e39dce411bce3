"""Free text."""

from .base import InvalidValue

LABEL = "Text"
MAX_LENGTH = 1000


def parse(text: str, *, context) -> str:
    if len(text) > MAX_LENGTH:
        raise InvalidValue(f"is longer than {MAX_LENGTH} characters")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise InvalidValue("contains control characters")
    return text


def format_value(value: str, *, for_csv: bool = False) -> str:
    return str(value)
