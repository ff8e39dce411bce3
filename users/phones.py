"""Phone numbers: the identity of every user, stored in E.164 (``+919812345678``).

Everything that reads a phone number from a person (login, forms, search, the CSV
import) goes through this module, so they all accept the same spellings.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

_NOT_DIALLED = re.compile(r"[\s\-().\u00a0/]")
_POSSIBILITY_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "has an unknown country code",
    ValidationResult.TOO_SHORT: "is too short",
    ValidationResult.INVALID_LENGTH: "has the wrong number of digits",
    ValidationResult.TOO_LONG: "is too long",
}
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "has an unknown country code",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
    NumberParseException.TOO_SHORT_NSN: "is too short",
    NumberParseException.TOO_LONG: "is too long",
}


class InvalidPhoneNumber(ValueError):
    """Raised with a reason a person can act on, e.g. "is too short"."""


def _international_prefix_as_plus(raw: str) -> str:
    # "0091-98123 45678" is how much of the world writes +91: accept it in any region.
    compact = _NOT_DIALLED.sub("", raw)
    if compact.startswith("00") and not compact.startswith("000"):
        return "+" + compact[2:]
    return raw


def normalize(raw: str, *, region: str) -> str:
    """Return ``raw`` in E.164, reading national numbers in ``region``."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("is empty")
    try:
        number = phonenumbers.parse(_international_prefix_as_plus(text), region)
    except NumberParseException as error:
        raise InvalidPhoneNumber(_PARSE_REASONS.get(error.error_type, "is not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        # Only now work out why: imports read millions of numbers, nearly all valid.
        possibility = phonenumbers.is_possible_number_with_reason(number)
        raise InvalidPhoneNumber(_POSSIBILITY_REASONS.get(possibility, "is not a valid phone number"))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_valid(raw: str, *, region: str) -> bool:
    try:
        normalize(raw, region=region)
    except InvalidPhoneNumber:
        return False
    return True


def display(e164: str) -> str:
    """``+919812345678`` -> ``+91 98123 45678``, the way people read it."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def search_fragments(query: str) -> list[str]:
    """Digit strings that a stored E.164 number contains when it matches ``query``.

    "98123 45678", "+91-98123", "0091 98123" and the national "098123 45678" all
    find +919812345678: separators are ignored, an international "00" or a
    national trunk "0" is dropped; "+44" matches numbers of that country.
    """
    digits = re.sub(r"\D", "", query)
    fragments = set()
    if query.strip().startswith("+") and digits:
        # "+44" is a country: short, but it can only match at the start.
        fragments.add("+" + digits)
    if len(digits) >= 3:
        fragments.add(digits)
        if digits.startswith("00"):
            fragments.add(digits[2:])
        elif digits.startswith("0"):
            fragments.add(digits[1:])
    return sorted(f for f in fragments if f)


def region_label(region: str) -> str:
    return f"{region} (+{phonenumbers.country_code_for_region(region)})"
