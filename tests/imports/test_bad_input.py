"""Hostile and random files through the real import: every job ends with an outcome that adds up.

Whatever a file holds (random bytes, any encoding, ragged rows, huge fields, formula-looking
cells, phone numbers of every country or garbage; workbooks with cells of every type Excel
keeps, cut short, with bytes changed or parts replaced by hostile XML), the job ends Completed or Failed with a
reason; created + updated + unchanged + rejected is the number of rows of people in the
file; the error log has a line per rejected row; and nobody outside the file's valid rows
changes. The examples and their number come from the Hypothesis profile (tests/conftest.py).
"""

import codecs
import csv
import datetime
import io
import time
import zipfile
from dataclasses import dataclass, field

import phonenumbers
import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from imports import services
from imports.models import ImportJob
from imports.reader import UnreadableFile
from users.models import OrganizationUser, User

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory, UserFactory

HEADER = ["Name", "Phone Number", "Department", "Grade"]


def _example_numbers() -> list[str]:
    """An example fixed-line and mobile number of every country phonenumbers knows."""
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                numbers.append(example)
    return numbers


EXAMPLE_NUMBERS = _example_numbers()
FORMATS = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL]

# People already there: in the organization, in another one, and in both. Their numbers are
# outside the factories' +9198... sequence, which other fixtures draw from in any order.
KNOWN_NUMBERS = ["+919900000001", "+919900000002", "+919900000003", "+919900000004"]


@pytest.fixture
def crowd(organization, other_organization):
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number")
    first, second, elsewhere, both = (UserFactory(phone_number=n) for n in KNOWN_NUMBERS)
    OrganizationUserFactory(organization=organization, user=first, attribute_values={department.key: "Sales"})
    OrganizationUserFactory(organization=organization, user=second, added_directly=False)
    OrganizationUserFactory(organization=other_organization, user=elsewhere)
    OrganizationUserFactory(organization=organization, user=both)
    OrganizationUserFactory(organization=other_organization, user=both, attribute_values={"x": 1})


# What a cell can be ------------------------------------------------------------------------

any_text = st.text(st.characters(exclude_characters="\x00"), max_size=40)
formula_looking = st.sampled_from(
    [
        "=1+1",
        "+91 99000 00001",
        "-5",
        "@SUM(A1:A9)",
        '=HYPERLINK("http://x")',
        "'=x",
        "\t=x",
        "\r=1",
        "=cmd|' /C calc'!A0",
    ]
)
huge = st.builds(lambda char, size: char * size, st.sampled_from('xé€ ,"'), st.integers(1_001, 300_000))
phone_numbers = st.one_of(
    st.builds(phonenumbers.format_number, st.sampled_from(EXAMPLE_NUMBERS), st.sampled_from(FORMATS)),
    st.builds(lambda n: "00" + phonenumbers.format_number(n, FORMATS[0])[1:], st.sampled_from(EXAMPLE_NUMBERS)),
    st.sampled_from(KNOWN_NUMBERS),
    st.sampled_from(["", "+", "0", "0000000000", "98123", "+91 98123 456789012345", "not a number", "+999 123"]),
    st.from_regex(r"\+?[0-9 ()\-]{1,20}", fullmatch=True),
    any_text,
)
cells = st.one_of(any_text, formula_looking, phone_numbers, st.sampled_from(["", " ", "Yes", "42", "1,234.5"]), huge)


@st.composite
def rows(draw):
    """A row of people: name, phone, department, grade; sometimes short, long or blank."""
    kind = draw(st.sampled_from(["person", "person", "person", "ragged", "blank", "wide"]))
    if kind == "blank":
        return draw(st.sampled_from([[], [""], ["", "", ""], [" ", "\t"]]))
    row = [draw(st.one_of(any_text, formula_looking, huge)), draw(phone_numbers), draw(cells), draw(cells)]
    if kind == "ragged":
        return row[: draw(st.integers(0, 3))] + draw(st.lists(cells, max_size=3))
    if kind == "wide":
        return row + [""] * draw(st.integers(1, 3000)) + draw(st.lists(cells, max_size=2))
    return row


@st.composite
def csv_files(draw):
    """(file bytes, the rows of people it holds) in one of the encodings and dialects people send."""
    header = list(HEADER)
    header[0] = draw(st.sampled_from(["Name", "name", " NAME ", "Name *"]))
    header[1] = draw(st.sampled_from(["Phone Number", "phone  number", "Phone Number (mandatory)"]))
    order = draw(st.permutations(range(len(header))))
    body = draw(st.lists(rows(), max_size=25))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    line_end = draw(st.sampled_from(["\r\n", "\n"]))

    def readable(cell: str) -> str:
        # What of the cell survives the encoding (Windows-1252 has no Chinese, for one).
        return cell.encode(encoding, "replace").decode(encoding) if encoding == "cp1252" else cell

    shuffled = [[readable(row[i]) if i < len(row) else "" for i in order] if row else [] for row in body]
    out = io.StringIO()
    # Python's writer quotes a cell with a line break only if it is in its own line ending:
    # with "\n" alone, a cell's bare "\r" would end the row for any reader.
    quoting = csv.QUOTE_MINIMAL if line_end == "\r\n" else csv.QUOTE_ALL
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerow([header[i] for i in order])
    writer.writerows(shuffled)
    text = out.getvalue()
    content = codecs.BOM_UTF8 + text.encode() if encoding == "utf-8-sig" else text.encode(encoding, "replace")
    people = sum(1 for row in shuffled if any(cell.strip() for cell in row))
    return content, people


random_files = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(
            [b"Name,Phone Number\n", b"\xef\xbb\xbfName;Phone Number\r\n", "Name\tPhone Number\n".encode("utf-16")]
        ),
        st.binary(max_size=3000),
    ),
    st.builds(
        lambda text, encoding: text.encode(encoding, "replace"),
        st.text(max_size=500),
        st.sampled_from(["utf-8", "utf-16", "utf-32", "cp1252", "latin-1", "shift_jis", "koi8-r"]),
    ),
)


# What a workbook can be -----------------------------------------------------------------------


class Formula(str):
    """A cell holding a formula. The import reads what Excel last computed: a file saved by
    anything but Excel has none, and the cell reads as empty."""


# Excel keeps no control characters in a cell; openpyxl refuses to write them.
workbook_text = st.one_of(any_text, huge, phone_numbers).map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text))
workbook_values = st.one_of(
    workbook_text,
    formula_looking.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),  # typed as text, kept as text
    st.sampled_from(["=1+1", "=SUM(A1:A9)", '=HYPERLINK("http://x")', "=NOW()"]).map(Formula),
    st.integers(-(2**53), 2**53),
    st.builds(lambda number: int(phonenumbers.format_number(number, FORMATS[0])[1:]), st.sampled_from(EXAMPLE_NUMBERS)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.none(),
)


@st.composite
def workbook_rows(draw):
    kind = draw(st.sampled_from(["person", "person", "person", "ragged", "blank", "wide"]))
    if kind == "blank":
        return draw(st.lists(st.sampled_from([None, "", " ", Formula("=1")]), max_size=4))
    row = draw(st.lists(workbook_values, min_size=4, max_size=4))
    if kind == "ragged":
        return row[: draw(st.integers(0, 3))] + draw(st.lists(workbook_values, max_size=3))
    if kind == "wide":
        return row + [None] * draw(st.integers(1, 3000)) + draw(st.lists(workbook_values, max_size=2))
    return row


def _reads_as_blank(value) -> bool:
    return value is None or isinstance(value, Formula) or (isinstance(value, str) and not value.strip())


def workbook_bytes(header: list, body: list[list], *, second_sheet: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row_number, row in enumerate([header, *body], start=1):
        for column, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str) and not isinstance(value, Formula):
                cell.data_type = "s"  # a text that starts with "=" stays text, as Excel keeps it with a leading '
    if second_sheet:
        workbook.create_sheet("Not read").append(["Phone Number", "+919812345678"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def sheets(draw):
    """(header, rows) of a first sheet, with cells of every type Excel keeps."""
    header = list(HEADER)
    header[0] = draw(st.sampled_from(["Name", "name", " NAME ", "Name *"]))
    header[1] = draw(st.sampled_from(["Phone Number", "phone  number", "Phone Number (mandatory)"]))
    order = draw(st.permutations(range(len(header))))
    body = draw(st.lists(workbook_rows(), max_size=25))
    shuffled = [[row[i] if i < len(row) else None for i in order] + row[len(header) :] for row in body]
    return [header[i] for i in order], shuffled


_SHEET = "xl/worksheets/sheet1.xml"
_WELL_FORMED = workbook_bytes(HEADER, [["Asha", "+919812345678", "Sales", 3], ["Ravi", 919812345679, None, 2.5]])
_HOSTILE_XML = [
    # An entity that doubles ten times over (a "billion laughs").
    '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY a{i} "{("&a%s;" % (i - 1 if i else "")) * 10}">' for i in range(10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>',
    # An entity that reads a file of the server.
    '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>',
    # Nesting deeper than any parser's stack.
    "<worksheet>" + "<sheetData>" * 100_000 + "</sheetData>" * 100_000 + "</worksheet>",
    # Row and cell positions out of any sheet's range.
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/>'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Phone Number</t></is></c></row>'
    '<row r="99999999999"><c r="ZZZZ99999999999" t="n"><v>1e999</v></c></row>'
    '<row r="-1"><c r="A0" t="s"><v>999</v></c><c r="B-1" t="d"><v>not a date</v></c></row></sheetData></worksheet>',
]


@dataclass
class DamagedWorkbook:
    how: str
    content: bytes = field(repr=False)


@st.composite
def damaged_workbooks(draw):
    """A workbook cut short, with bytes changed, or with one of its parts replaced by anything."""
    kind = draw(st.sampled_from(["cut", "bytes changed", "part replaced", "part replaced"]))
    if kind == "cut":
        end = draw(st.integers(0, len(_WELL_FORMED) - 1))
        return DamagedWorkbook(f"cut after byte {end}", _WELL_FORMED[:end])
    if kind == "bytes changed":
        content = bytearray(_WELL_FORMED)
        changes = draw(st.lists(st.tuples(st.integers(0, len(content) - 1), st.integers(0, 255)), min_size=1))
        for position, value in changes:
            content[position] = value
        return DamagedWorkbook(f"bytes changed (position, value): {changes}", bytes(content))
    source = zipfile.ZipFile(io.BytesIO(_WELL_FORMED))
    replaced = draw(st.sampled_from([_SHEET, *sorted(set(source.namelist()) - {_SHEET})]))
    original = source.read(replaced)
    start = draw(st.integers(0, len(original)))
    replacement = draw(
        st.one_of(
            st.sampled_from(_HOSTILE_XML).map(str.encode),
            st.binary(max_size=500),
            st.just(original[:start] + original[start + draw(st.integers(1, 200)) :]),  # a piece left out
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, replacement if name == replaced else source.read(name))
    return DamagedWorkbook(f"{replaced} replaced by {replacement[:300]!r}", buffer.getvalue())


# What must hold for every file --------------------------------------------------------------


def snapshot() -> tuple[dict, dict]:
    people = {phone: rest for phone, *rest in User.objects.values_list("phone_number", "own_name", "password")}
    memberships = {
        (m["organization_id"], m["user__phone_number"]): (
            m["name"],
            m["attribute_values"],
            m["added_directly"],
            m["role"],
        )
        for m in OrganizationUser.objects.values(
            "organization_id", "user__phone_number", "name", "attribute_values", "added_directly", "role"
        )
    }
    return people, memberships


def import_and_check(make_job, organization, content: bytes, *, name="users.csv", keep=False) -> ImportJob:
    """Run the file's import and check what holds for any file; return the finished job.

    The import is rolled back afterwards (each generated example starts from the same
    people) unless ``keep``.
    """
    with transaction.atomic():
        # The upload page's checks refuse a file with a message, or let it through: nothing else.
        try:
            services.check_upload(organization=organization, upload=_Upload(name, content))
        except UnreadableFile as problem:
            assert str(problem)
        people_before, memberships_before = snapshot()
        job = make_job(content, name=name, file_format=name.rsplit(".", 1)[-1])
        services.run_import(job_id=job.pk, run_id="fuzz")
        job.refresh_from_db()

        assert job.status in (ImportJob.Status.COMPLETED, ImportJob.Status.FAILED)
        assert job.status == ImportJob.Status.COMPLETED or job.failure_reason
        assert "Traceback" not in job.failure_reason
        assert "unexpected error" not in job.failure_reason, job.failure_reason
        assert job.row_errors.count() == job.rejected_count
        log = list(csv.reader(io.StringIO("".join(services.error_log_lines(job)).lstrip("\ufeff"))))
        assert len([line for line in log[1:] if line[0]]) == job.rejected_count

        # Only the people on the file's valid rows changed: the import marks each of them.
        touched = set(
            OrganizationUser.objects.filter(organization=organization, last_import_job_id=job.pk).values_list(
                "user__phone_number", flat=True
            )
        )
        assert len(touched) == job.created_count + job.updated_count + job.unchanged_count
        people_after, memberships_after = snapshot()
        changed_people = {
            p for p in people_after.keys() | people_before.keys() if people_after.get(p) != people_before.get(p)
        }
        # An import creates accounts; it never changes one: what people are called is the organization's.
        assert all(people_after[p] == before for p, before in people_before.items())
        assert changed_people <= touched
        changed_memberships = {
            key
            for key in memberships_after.keys() | memberships_before.keys()
            if memberships_after.get(key) != memberships_before.get(key)
        }
        assert changed_memberships <= {(organization.pk, phone) for phone in touched}
        transaction.set_rollback(not keep)
    return job


class _Upload(io.BytesIO):
    """Bytes as the upload form hands them over."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name, self.size = name, len(content)


@given(file=csv_files())
def test_any_csv_of_people_ends_with_counts_that_add_up(make_job, organization, crowd, file):
    content, people = file
    job = import_and_check(make_job, organization, content)
    assert job.created_count + job.updated_count + job.unchanged_count + job.rejected_count == people


@given(content=random_files)
def test_any_bytes_end_completed_or_failed_with_a_reason(make_job, organization, crowd, content):
    job = import_and_check(make_job, organization, content)
    assert job.created_count + job.updated_count + job.unchanged_count + job.rejected_count <= job.rows_done


@given(content=st.binary(max_size=2000))
def test_any_bytes_named_xlsx_end_completed_or_failed_with_a_reason(make_job, organization, crowd, content):
    import_and_check(make_job, organization, content, name="users.xlsx")


@given(sheet=sheets(), second_sheet=st.booleans())
def test_any_workbook_of_people_ends_with_counts_that_add_up(make_job, organization, crowd, sheet, second_sheet):
    header, body = sheet
    job = import_and_check(
        make_job, organization, workbook_bytes(header, body, second_sheet=second_sheet), name="users.xlsx"
    )
    people = sum(1 for row in body if not all(_reads_as_blank(value) for value in row))
    assert job.created_count + job.updated_count + job.unchanged_count + job.rejected_count == people, (
        job.failure_reason
    )


@given(workbook=damaged_workbooks())
def test_any_damaged_workbook_ends_completed_or_failed_with_a_reason(make_job, organization, crowd, workbook):
    job = import_and_check(make_job, organization, workbook.content, name="users.xlsx")
    assert "root:" not in job.failure_reason and "/etc/passwd" not in str(list(job.row_errors.values("values")))


# Limits, one by one ---------------------------------------------------------------------------


def test_millions_of_empty_lines_end_quickly_and_change_nothing(make_job, organization, crowd):
    content = b"Name,Phone Number\n" + b"\n" * 2_000_000 + b"\r\n" * 500_000
    started = time.monotonic()
    job = import_and_check(make_job, organization, content)
    elapsed = time.monotonic() - started
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == "The file has no rows of users under its header."
    assert elapsed < 30, f"{elapsed:.1f} s for a file of empty lines"


def test_rows_beyond_the_limits_are_rejected_with_the_reason_and_the_rest_imported(make_job, organization, settings):
    settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELL_CHARACTERS = 100, 5000
    # Puts the NUL past what the upload's first look reads.
    padding = "".join(f"Filler,+9198112{n:05d}\n" for n in range(4000))
    content = (
        "Name,Phone Number\n"
        f"Huge,+919811100001,{'x' * 200_000}\n"  # over Python csv's own 128 KiB limit too
        f"Wide,+919811100002{',' * 150}\n"
        f"{'Long' * 60},+919811100003\n"
        f"{padding}"
        "Nul\x00Name,+919811100004\n"
        "Fine,+919811100005\n"
    ).encode()
    job = import_and_check(make_job, organization, content, keep=True)

    assert job.status == ImportJob.Status.COMPLETED
    assert (job.created_count, job.rejected_count) == (4001, 4)
    errors = {e.row_number: (e.column, e.reason) for e in job.row_errors.all()}
    assert errors == {
        2: ("Column 3", "The cell has 200,000 characters; a cell may have at most 5,000."),
        3: ("", "The row has 152 cells; a row may have at most 100."),
        4: ("Name", "The name has 240 characters; a name may have at most 200."),
        4005: ("Column 1", "The cell holds a NUL character: the file may be damaged. Save it as CSV again."),
    }
    shown = job.row_errors.get(row_number=2).values
    assert shown[:2] == ["Huge", "+919811100001"] and shown[2] == "x" * 100 + "…"


@pytest.mark.parametrize(
    "sheet, reason",
    zip(
        _HOSTILE_XML,
        [
            "The file is not a readable Excel workbook (.xlsx).",
            "The file is not a readable Excel workbook (.xlsx).",
            "The workbook's first sheet is empty.",
            "The file has no Name column. Its first row must name the columns, as in the template.",
        ],
        strict=True,
    ),
    ids=["entities that multiply", "an entity reading a server file", "deep nesting", "positions out of range"],
)
def test_a_workbook_of_hostile_xml_fails_with_a_reason_and_changes_nobody(make_job, organization, crowd, sheet, reason):
    source = zipfile.ZipFile(io.BytesIO(_WELL_FORMED))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, sheet if name == _SHEET else source.read(name))
    job = import_and_check(make_job, organization, buffer.getvalue(), name="users.xlsx")
    assert (job.status, job.failure_reason) == (ImportJob.Status.FAILED, reason)


def test_a_workbook_damaged_inside_a_row_fails_naming_the_row(make_job, organization, crowd):
    source = zipfile.ZipFile(io.BytesIO(_WELL_FORMED))
    sheet = source.read(_SHEET)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, sheet[: sheet.index(b'<row r="3"') + 12] if name == _SHEET else source.read(name))
    job = import_and_check(make_job, organization, buffer.getvalue(), name="users.xlsx")
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == (
        "Row 3 of the workbook cannot be read: the file may be damaged. "
        "Open it in Excel and save it again, or save it as CSV."
    )
    # The batch the damaged row falls in is not written, as for a CSV file: the counts say so.
    assert job.created_count == 0
