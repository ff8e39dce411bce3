"""Free text."""

import re

from .base import CLEAR, InvalidValue, is_clear

LABEL = "Text"
MAX_LENGTH = 1000
# Below space (tab, line feed and carriage return aside), DEL, and the C1 controls.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that make text show in another order than it is stored ("Trojan Source").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def unsafe_characters(text: str, *, one_line: bool = False) -> str | None:
    """Why ``text`` would not show as what was typed (None when it would); names are ``one_line``."""
    if _CONTROL_CHARACTERS.search(text):
        return "contains control characters"
    if _BIDI_CONTROLS.search(text):
        return "contains characters that reverse how text is shown"
    if one_line and _LINE_BREAKS.search(text):
        return "breaks across lines"
    return None


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be the name an organization gives a person (None when it can)."""
    if problem := unsafe_characters(name, one_line=True):
        return f"The name {problem}."
    if is_clear(name.strip()):
        # In an import's Name column it clears the name: as a name, it would clear it on re-import.
        return f"{CLEAR} is kept for clearing a name in an import file; it cannot be a name."
    return None


def parse(text: str, *, context) -> str:
    if len(text) > MAX_LENGTH:
        raise InvalidValue(f"is longer than {MAX_LENGTH} characters")
    if problem := unsafe_characters(text):
        raise InvalidValue(problem)
    if is_clear(text):
        raise InvalidValue(f"is kept for clearing a value in an import file ({CLEAR}); it cannot be a value itself")
    return text


def format_value(value: str, *, for_csv: bool = False) -> str:
    return str(value)


def matches(stored: str, condition: str, value: str) -> bool:
    """Whether a stored text meets a condition, whatever the case: as the database compares it (``conditions``)."""
    if condition == "contains":
        return value.upper() in stored.upper()
    return stored.upper() == value.upper()
