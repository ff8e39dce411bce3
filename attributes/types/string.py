"""Free text."""

import re

from .base import InvalidValue

LABEL = "Text"
MAX_LENGTH = 1000
# Below space, except tab, line feed and carriage return.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse(text: str, *, context) -> str:
    if len(text) > MAX_LENGTH:
        raise InvalidValue(f"is longer than {MAX_LENGTH} characters")
    if _CONTROL_CHARACTERS.search(text):
        raise InvalidValue("contains control characters")
    return text


def format_value(value: str, *, for_csv: bool = False) -> str:
    return str(value)
