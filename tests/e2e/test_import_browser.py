"""An organization admin imports users from a CSV file, watched through to the error log, in a real browser.

The upload happens before any Celery worker runs, so the history page is sure to show
the job as Processing first; the worker then imports it while the page polls by itself.
"""

import codecs
import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Download, Page, expect

from groups.models import GroupMembership
from imports.formulas import neutralise
from imports.models import ImportJob
from tests.celery_support import running_worker
from tests.factories import (
    PASSWORD,
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OrganizationUserFactory,
)
from users.models import OrganizationUser, User

from .pages import OVERFLOW, log_in, screenshot

HEADER = ["Name", "Phone Number", "Employee ID (mandatory)", "Grade"]
# Starting a worker and importing take seconds on a slow machine; the page polls every 2 s.
IMPORT_TIMEOUT_MS = 45_000

pytestmark = [pytest.mark.browser, pytest.mark.celery]

# The file as uploaded: row 1 is the header, row 2 the template's example (left as it was).
GOOD_ROWS = [  # row 3, 5 and 7 of the file
    ["Kavya Iyer", "+91 97000 00001", "E-101", "3"],
    ["Arjun Mehta", "97000 00002", "E-102", "12"],  # a national number: read as Indian
    ["Divya Nair", "0091 97000 00003", "E-103", "4.5"],
]
BAD_ROWS = [  # row 4, 6 and 8 of the file, with what the error log must say of them
    (["Bad Phone", "12345", "E-201", "1"], "Phone Number", "“12345” is too short."),
    (["Bad Grade", "+91 97000 00005", "E-202", "senior"], "Grade", "“senior” is not a number."),
    (["No Employee ID", "+91 97000 00006", "", "2"], "Employee ID", "Employee ID is mandatory for new users."),
]
IMPORTED = {  # phone number: (name, Employee ID, Grade)
    "+919700000001": ("Kavya Iyer", "E-101", 3),
    "+919700000002": ("Arjun Mehta", "E-102", 12),
    "+919700000003": ("Divya Nair", "E-103", 4.5),
}


def read_csv(download: Download) -> tuple[bytes, list[list[str]]]:
    """The downloaded file's raw bytes and its rows."""
    raw = Path(download.path()).read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode()


def test_org_admin_imports_a_file_with_good_and_bad_rows_and_downloads_the_error_log(page: Page, redis_url, tmp_path):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    admin = OrganizationUserFactory(
        organization=org,
        user__phone_number="+919000000001",
        name="Asha Admin",
        role=OrganizationUser.Role.ORG_ADMIN,
    ).user
    employee_id = AttributeDefinitionFactory(organization=org, name="Employee ID", mandatory=True, position=0)
    grade = AttributeDefinitionFactory(organization=org, name="Grade", value_type="number", position=1)

    log_in(page, "+91 90000 00001", PASSWORD)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_role("button", name="Add Users").click()
    page.get_by_role("link", name="Import Multiple Users").click()
    expect(page.get_by_role("heading", name="Import multiple users")).to_be_visible()
    screenshot(page, "import-upload.png")

    # The template: UTF-8 with a BOM (for Excel), a column per attribute, an example row.
    with page.expect_download() as template_download:
        page.get_by_role("button", name="Download template").click()
    assert template_download.value.suggested_filename == "contoso-users-template.csv"
    raw, template = read_csv(template_download.value)
    assert raw.startswith(codecs.BOM_UTF8)
    header, example = template
    assert header == HEADER

    # Fill it in, leaving the example row as it is: it must be ignored, not imported.
    rows = [header, example]
    for good, (bad, _column, _reason) in zip(GOOD_ROWS, BAD_ROWS, strict=True):
        rows += [good, bad]
    upload = tmp_path / "new-staff.csv"
    upload.write_bytes(to_csv(rows))
    page.get_by_label("Select a file").set_input_files(upload)
    page.get_by_role("button", name="Upload").click()

    # No worker runs yet, so the job waits in the queue, shown as Processing.
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("“new-staff.csv” was uploaded; it is being imported.")
    job_row = page.locator("#import-history tbody tr", has_text="new-staff.csv")
    expect(job_row).to_have_count(1)
    status = job_row.locator("td.status .badge")
    expect(status).to_have_text("Processing")
    screenshot(page, "import-history-processing.png")

    # The worker imports it; the page follows without being reloaded.
    page.evaluate("window.notReloaded = true")
    with running_worker():
        expect(status).to_have_text("Completed", timeout=IMPORT_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    expect(job_row.get_by_role("cell")).to_have_text(
        [
            "new-staff.csv",
            "Asha Admin",
            re.compile(r"\d{4}, \d\d:\d\d"),  # uploaded at
            re.compile(r"^\s*Completed\s+3 rows rejected\s*$"),  # and says that some rows were not
            "3",  # created
            "0",  # updated
            "0",  # unchanged
            "3",  # rejected
            re.compile(r"^\s*Original\s+· Error log\s*$"),
        ]
    )
    expect(job_row.get_by_role("progressbar")).to_have_count(0)
    screenshot(page, "import-history-completed.png")

    # The error log names each bad row, the column at fault and why, with the row as it was.
    with page.expect_download() as log_download:
        job_row.get_by_role("link", name="Error log").click()
    assert log_download.value.suggested_filename == "new-staff-errors.csv"
    raw, log = read_csv(log_download.value)
    assert raw.startswith(codecs.BOM_UTF8)
    assert log == [
        ["Row", "Column", "Reason", *HEADER],
        # Cells a spreadsheet would run ("+91 …") are guarded, as in every CSV the portal writes.
        ["4", *BAD_ROWS[0][1:], *map(neutralise, BAD_ROWS[0][0])],
        ["6", *BAD_ROWS[1][1:], *map(neutralise, BAD_ROWS[1][0])],
        ["8", *BAD_ROWS[2][1:], *map(neutralise, BAD_ROWS[2][0])],
    ]

    # Exactly the good rows joined the organization, with their attributes; numbers as numbers.
    imported = OrganizationUser.objects.filter(organization=org).exclude(user=admin).select_related("user")
    assert {m.user.phone_number: m for m in imported}.keys() == IMPORTED.keys()
    for membership in imported:
        name, employee, grade_value = IMPORTED[membership.user.phone_number]
        assert membership.name == name
        assert membership.role == OrganizationUser.Role.MEMBER
        assert membership.attribute_values == {employee_id.key: employee, grade.key: grade_value}
        assert type(membership.attribute_values[grade.key]) is type(grade_value)
    # Nobody was made for the rejected rows or the example row.
    assert not User.objects.filter(phone_number__in=["+919700000005", "+919700000006", "+919812345678"]).exists()


def an_org_admin() -> OrganizationUser:
    """Asha, the admin of Contoso, its only organization."""
    return OrganizationUserFactory(
        organization=OrganizationFactory(name="Contoso", slug="contoso"),
        user__phone_number="+919000000001",
        name="Asha Admin",
        role=OrganizationUser.Role.ORG_ADMIN,
    )


def test_a_300_character_file_name_wraps_in_the_import_history_with_the_whole_name_on_hover(page: Page):
    asha = an_org_admin()
    long_name = "quarterly-staff-list-" + "north-south-east-west-" * 12 + "final-v2" + ".csv"
    long_name = long_name[:296] + ".csv"
    assert len(long_name) == 300
    job = ImportJob.objects.create(
        organization=asha.organization,
        uploaded_by=asha.user,
        file_name=long_name,
        token="long-name",
        status=ImportJob.Status.COMPLETED,
        created_count=3,
        rejected_count=2,
        total_rows=5,
        rows_done=5,
    )

    log_in(page, "+91 90000 00001", PASSWORD)
    page.get_by_role("button", name="Add Users").click()
    page.get_by_role("link", name="View Import History").click()
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()

    row = page.locator(f"#import-{job.pk}")
    expect(row.get_by_title(long_name)).to_be_visible()  # the whole name, on hover
    expect(row.get_by_role("link", name="2 rows rejected")).to_be_in_viewport()
    expect(row.get_by_role("link", name="Error log")).to_be_in_viewport()  # the last column is on screen
    assert page.evaluate(OVERFLOW) == {"page": 0, "tables": [0]}
    screenshot(page, "import-history-long-name.png")


@pytest.mark.parametrize("heading", ["Users", "Import history"])
def test_at_phone_width_the_search_box_stays_usable_and_nothing_overflows_the_page(browser, live_server, heading):
    OrganizationUserFactory.create_batch(3, organization=an_org_admin().organization)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, "+91 90000 00001", PASSWORD)
        expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
        if heading == "Users":
            search = page.get_by_role("searchbox", name="Search users")
            assert search.bounding_box()["width"] >= 200
            search.fill("Asha")
            page.get_by_role("button", name="Search").click()
            expect(page.locator("#results")).to_contain_text("1–1 of 1 user")
        else:
            page.get_by_role("button", name="Add Users").click()
            page.get_by_role("link", name="View Import History").click()
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert page.evaluate(OVERFLOW)["page"] == 0
        screenshot(page, f"phone-{heading.lower().replace(' ', '-')}.png")
    finally:
        context.close()


def detail(page: Page, term: str):
    """The value shown for ``term`` in the user page's details."""
    return page.locator("dl.details dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def test_org_admin_clears_values_by_import_and_a_mandatory_one_is_refused(page: Page, redis_url, tmp_path):
    asha = an_org_admin()
    org = asha.organization
    employee_id = AttributeDefinitionFactory(organization=org, name="Employee ID", mandatory=True, position=0)
    grade = AttributeDefinitionFactory(organization=org, name="Grade", value_type="number", position=1)
    joined = AttributeDefinitionFactory(organization=org, name="Joined", value_type="datetime", position=2)
    kavya = OrganizationUserFactory(
        organization=org,
        user__phone_number="+919700000001",
        name="Kavya Iyer",
        attribute_values={employee_id.key: "E-1", grade.key: 3, joined.key: "2024-01-02T00:00"},
    )
    arjun = OrganizationUserFactory(
        organization=org,
        user__phone_number="+919700000002",
        name="Arjun Mehta",
        attribute_values={employee_id.key: "E-2"},
    )
    ravi = OrganizationUserFactory(organization=org, user__phone_number="+919000000002", name="Ravi Groupadmin")
    GroupMembershipFactory(
        group=GroupFactory(organization=org, name="Field Team"), user=ravi.user, role=GroupMembership.Role.ADMIN
    )
    upload = tmp_path / "clear.csv"
    upload.write_bytes(
        to_csv(
            [
                ["Name", "Phone Number", "Employee ID (mandatory)", "Grade", "Joined"],
                ["#CLEAR", "+91 97000 00001", "", "#CLEAR", ""],  # no name, no grade; Joined left as it is
                ["Arjun Mehta", "+91 97000 00002", "#CLEAR", "", ""],  # refused: Employee ID is mandatory
            ]
        )
    )

    log_in(page, "+91 90000 00001", PASSWORD)
    page.get_by_role("button", name="Add Users").click()
    page.get_by_role("link", name="Import Multiple Users").click()
    expect(page.locator("ol.steps")).to_contain_text("#CLEAR in a cell clears it")
    page.get_by_label("Select a file").set_input_files(upload)
    with running_worker():
        page.get_by_role("button", name="Upload").click()
        job_row = page.locator("#import-history tbody tr").first
        expect(job_row.locator("td.status .badge")).to_have_text("Completed", timeout=IMPORT_TIMEOUT_MS)
    expect(job_row.get_by_role("link", name="1 row rejected")).to_be_visible()
    with page.expect_download() as download:
        job_row.get_by_role("link", name="Error log").click()
    _, log = read_csv(download.value)
    assert log[1][:3] == ["3", "Employee ID", "Employee ID is mandatory: it cannot be cleared."]

    page.goto(f"/o/contoso/users/{kavya.user_id}/")
    expect(detail(page, "Name")).to_have_text("—")
    expect(detail(page, "Grade")).to_have_text("—")
    expect(detail(page, "Joined")).to_have_text("2 Jan 2024")  # a date stored at midnight shows as the date
    expect(detail(page, "Employee ID")).to_have_text("E-1")
    page.goto(f"/o/contoso/users/{arjun.user_id}/")
    expect(detail(page, "Employee ID")).to_have_text("E-2")
    screenshot(page, "import-cleared.png")

    # A group admin may not import, so clears nothing this way.
    page.context.clear_cookies()
    log_in(page, "+91 90000 00002", PASSWORD)
    page.goto("/o/contoso/users/")
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Import Multiple Users")).to_have_count(0)
    assert page.goto("/o/contoso/imports/new/").status == 403
