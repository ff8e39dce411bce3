"""Yes/No."""

from .base import InvalidValue

LABEL = "Yes/No"
TRUE = {"yes", "y", "true", "t", "1"}
FALSE = {"no", "n", "false", "f", "0"}


def parse(text: str, *, context) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InvalidValue("is not Yes or No")


def format_value(value: bool, *, for_csv: bool = False) -> str:
    return "Yes" if value else "No"


def matches(stored: bool, condition: str, value: bool) -> bool:
    return stored is value
