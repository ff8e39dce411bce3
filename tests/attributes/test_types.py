import pytest

from attributes import types
from attributes.types import InvalidValue, ParseContext

DMY = ParseContext(date_order="DMY")
MDY = ParseContext(date_order="MDY")


def invalid(value_type, text, context=DMY) -> str:
    with pytest.raises(InvalidValue) as error:
        types.parse(value_type, text, context=context)
    return str(error.value)


@pytest.mark.parametrize("value_type", list(types.TYPES))
@pytest.mark.parametrize("blank", [None, "", "   ", "\t"])
def test_blank_is_no_value_for_every_type(value_type, blank):
    assert types.parse(value_type, blank) is None
    assert types.format_value(value_type, None) == ""


class TestString:
    def test_text_is_trimmed_and_kept_as_written(self):
        assert types.parse("string", "  Sales, North “HQ”  ") == "Sales, North “HQ”"
        assert types.parse("string", "प्रिया\nशर्मा") == "प्रिया\nशर्मा"

    @pytest.mark.parametrize("token", ["#CLEAR", "#clear", " #Clear "])
    def test_the_import_token_for_clearing_cannot_be_a_value_of_any_type(self, token):
        assert invalid("string", token) == (
            "is kept for clearing a value in an import file (#CLEAR); it cannot be a value itself"
        )
        assert all(invalid(value_type, token) for value_type in ["number", "boolean", "datetime"])

    def test_too_long_or_control_characters_are_refused(self):
        assert invalid("string", "x" * 1001) == "is longer than 1000 characters"
        assert invalid("string", "bad\x00byte") == "contains control characters"


class TestNumber:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("42", 42),
            ("-7", -7),
            ("+3", 3),
            ("3.25", 3.25),
            ("3,25", 3.25),
            (".5", 0.5),
            ("1,234", 1234),
            ("1,234.5", 1234.5),
            ("1.234,5", 1234.5),
            ("1 234,5", 1234.5),
            ("1,23,456", 123456),
            ("1.234.567", 1234567),
            ("12.0", 12),
            ("1e3", 1000),
        ],
    )
    def test_points_commas_and_grouping(self, text, value):
        parsed = types.parse("number", text)
        assert parsed == value and type(parsed) is type(value)

    @pytest.mark.parametrize(
        "text", ["abc", "1,2,3", "12,34,5", "1.2.3", "1,234,5.6", "--1", "1 2 3 x", "nan", "inf", "0x1F"]
    )
    def test_what_is_not_a_number(self, text):
        assert invalid("number", text) == "is not a number"

    def test_huge_numbers_are_refused(self):
        assert invalid("number", "1e20") == "is too large a number"

    @pytest.mark.parametrize(
        ("value", "shown", "csv"), [(1234567, "1,234,567", "1234567"), (1234.5, "1,234.5", "1234.5")]
    )
    def test_formatting_for_pages_and_csv(self, value, shown, csv):
        assert types.format_value("number", value) == shown
        assert types.format_value("number", value, for_csv=True) == csv
        assert types.parse("number", csv) == value


class TestBoolean:
    @pytest.mark.parametrize("text", ["yes", "Yes", "Y", "true", "TRUE", "t", "1"])
    def test_yes(self, text):
        assert types.parse("boolean", text) is True

    @pytest.mark.parametrize("text", ["no", "NO", "n", "false", "F", "0"])
    def test_no(self, text):
        assert types.parse("boolean", text) is False

    @pytest.mark.parametrize("text", ["maybe", "2", "yess", "-"])
    def test_anything_else_is_refused(self, text):
        assert invalid("boolean", text) == "is not Yes or No"

    def test_formatting(self):
        assert types.format_value("boolean", True) == "Yes"
        assert types.format_value("boolean", False, for_csv=True) == "No"


class TestDateTime:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("2024-03-01", "2024-03-01"),
            ("2024-3-1", "2024-03-01"),
            ("2024-03-01T09:30", "2024-03-01T09:30"),
            ("2024-03-01 09:30:15", "2024-03-01T09:30:15"),
            ("2024-03-01T09:30:00Z", "2024-03-01T09:30"),
            ("01/03/2024", "2024-03-01"),
            ("1-3-2024", "2024-03-01"),
            ("01.03.2024 9:30", "2024-03-01T09:30"),
            ("1/3/24", "2024-03-01"),
            ("1/3/85", "1985-03-01"),
            ("2024/03/01", "2024-03-01"),
            ("1 Mar 2024", "2024-03-01"),
            ("1 March 2024", "2024-03-01"),
            ("March 1, 2024", "2024-03-01"),
            ("01-Mar-2024", "2024-03-01"),
        ],
    )
    def test_day_month_year_spellings(self, text, value):
        assert types.parse("datetime", text, context=DMY) == value

    def test_month_first_organizations_read_numeric_dates_the_other_way(self):
        assert types.parse("datetime", "03/01/2024", context=MDY) == "2024-03-01"
        assert types.parse("datetime", "03/01/2024", context=DMY) == "2024-01-03"

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("31/02/2024", "is not a real date"),
            ("2024-13-01", "is not a real date"),
            ("2024-03-01 25:00", "has a time that does not exist"),
            ("yesterday", "is not a date (write it as day/month/year, or as 2024-03-31)"),
            ("1/3/202", "is not a date"),
        ],
    )
    def test_impossible_dates_say_why(self, text, reason):
        assert invalid("datetime", text) == reason

    def test_month_first_reason_names_the_order(self):
        assert invalid("datetime", "soon", context=MDY).endswith("(write it as month/day/year, or as 2024-03-31)")

    def test_stored_values_sort_in_time_order(self):
        values = [types.parse("datetime", t) for t in ["2/1/2024", "1/1/2024 10:00", "1/1/2024", "31/12/2023"]]
        assert sorted(values) == ["2023-12-31", "2024-01-01", "2024-01-01T10:00", "2024-01-02"]

    def test_formatting_for_pages_and_csv(self):
        assert types.format_value("datetime", "2024-03-01") == "1 Mar 2024"
        assert types.format_value("datetime", "2024-03-01T09:30") == "1 Mar 2024 09:30"
        assert types.format_value("datetime", "2024-03-01T09:30", for_csv=True) == "2024-03-01T09:30"

    @pytest.mark.parametrize("text", ["2024-01-02T00:00:00", "2024-01-02 00:00", "02/01/2024", "2 Jan 2024"])
    def test_midnight_is_no_time_of_day_so_a_spreadsheet_date_and_a_typed_one_are_the_same(self, text):
        # A spreadsheet's date cell reaches the import as a datetime at midnight (the first spelling).
        assert types.parse("datetime", text, context=DMY) == "2024-01-02"

    def test_a_value_stored_at_midnight_before_shows_and_exports_as_its_date(self):
        assert types.format_value("datetime", "2024-01-02T00:00") == "2 Jan 2024"
        assert types.format_value("datetime", "2024-01-02T00:00", for_csv=True) == "2024-01-02"
        assert types.same_value("datetime", "2024-01-02T00:00", "2024-01-02")
        assert not types.same_value("datetime", "2024-01-02T00:01", "2024-01-02")


@pytest.mark.parametrize(
    ("value_type", "value"),
    [("string", "a, “b”\nc"), ("number", 1234.75), ("number", -3), ("boolean", True), ("datetime", "2024-03-01T09:30")],
)
def test_csv_text_reads_back_as_the_same_value(value_type, value):
    assert types.parse(value_type, types.format_value(value_type, value, for_csv=True), context=MDY) == value


def test_converting_reports_values_that_do_not_fit():
    conversion = types.convert("string", "number", {1: "12", 2: "1,5", 3: "twelve"})
    assert conversion.converted == {1: 12, 2: 1.5}
    assert conversion.failures == [("twelve", "is not a number")]
