import pytest

from users import phones


@pytest.mark.parametrize(
    "written",
    [
        "+91 98123 45678",
        "+91-98123-45678",
        "0091-9812345678",
        "0091 98123 45678",
        "09812345678",
        "98123 45678",
        "(+91) 9812345678",
    ],
)
def test_common_spellings_of_one_number_normalize_to_e164(written):
    assert phones.normalize(written, region="IN") == "+919812345678"


def test_national_numbers_are_read_in_the_given_region():
    assert phones.normalize("(202) 555-0143", region="US") == "+12025550143"
    assert phones.normalize("07911 123456", region="GB") == "+447911123456"


def test_international_numbers_ignore_the_region():
    assert phones.normalize("+44 7911 123456", region="IN") == "+447911123456"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("hello", "is not a phone number"),
        ("+91 98", "is too short"),
        ("+91 98123 45678 12345", "is too long"),
        ("+999 12345678", "has an unknown country code"),
        ("+91 55555 55555", "is not a valid phone number"),
    ],
)
def test_invalid_numbers_say_why(written, reason):
    with pytest.raises(phones.InvalidPhoneNumber) as error:
        phones.normalize(written, region="IN")
    assert str(error.value) == reason


def test_display_groups_digits_the_international_way():
    assert phones.display("+919812345678") == "+91 98123 45678"


@pytest.mark.parametrize(
    ("query", "fragments"),
    [
        ("98123 45678", ["9812345678"]),
        ("+91-98123", ["+9198123", "9198123"]),
        ("+44", ["+44"]),
        ("0091 98123", ["009198123", "9198123"]),
        ("098123", ["098123", "98123"]),
        ("ab", []),
        ("12", []),
    ],
)
def test_search_fragments_ignore_separators_and_prefixes(query, fragments):
    assert phones.search_fragments(query) == fragments
