from dataclasses import dataclass


class InvalidValue(ValueError):
    """Raised with a reason a person can act on, e.g. "is not a number"."""


@dataclass(frozen=True)
class ParseContext:
    """What parsing depends on beyond the text: the organization's preferred date order."""

    date_order: str = "DMY"
