"""The import job, run in this process: what a file does to the organization's users."""

import csv
import io

import pytest

from imports import services
from imports.models import IMPORT_JOBS, ImportJob
from kaizala_portal import jobs

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory, UserFactory
from .conftest import csv_bytes, members


def run(job) -> ImportJob:
    services.run_import(job_id=job.pk, run_id="test-run")
    job.refresh_from_db()
    return job


def errors(job) -> list[tuple[int, str, str]]:
    return [(e.row_number, e.column, e.reason) for e in job.row_errors.all()]


def test_new_people_are_created_and_known_ones_updated_by_phone_number(
    make_job, organization, org_admin, employee_id, grade
):
    existing = OrganizationUserFactory(
        organization=organization,
        name="Old Name",
        user=UserFactory(phone_number="+919812300001"),
        attribute_values={employee_id.key: "E-1", grade.key: 3},
    )
    same = OrganizationUserFactory(
        organization=organization,
        name="Same",
        user=UserFactory(phone_number="+919812300002"),
        attribute_values={employee_id.key: "E-2"},
    )
    job = run(
        make_job(
            "Name,Phone Number,Employee ID (mandatory),Grade\n"
            "New Person,+91 98123 00003,E-3,7\n"
            "New Name,098123 00001,,4\n"  # an empty cell leaves Employee ID as it was
            "Same,+919812300002,E-2,\n"
        )
    )

    assert job.status == ImportJob.Status.COMPLETED
    assert (job.created_count, job.updated_count, job.unchanged_count, job.rejected_count) == (1, 1, 1, 0)
    assert (job.rows_done, job.total_rows) == (3, 3)
    people = members(organization)
    assert people["+919812300003"].attribute_values == {employee_id.key: "E-3", grade.key: 7}
    assert people["+919812300003"].added_directly and people["+919812300003"].added_by == org_admin
    existing.refresh_from_db()
    existing.user.refresh_from_db()
    assert existing.name == "New Name"
    assert existing.attribute_values == {employee_id.key: "E-1", grade.key: 4}
    same.refresh_from_db()
    assert same.attribute_values == {employee_id.key: "E-2"}


def test_bad_rows_are_rejected_with_row_column_and_reason_and_the_rest_imported(
    make_job, organization, org_admin, employee_id, grade
):
    job = run(
        make_job(
            "Name,Phone Number,Employee ID,Grade\n"
            "Good One,+919812300011,E-11,1\n"
            "Bad Phone,12345,E-12,1\n"
            "Bad Grade,+919812300013,E-13,lots\n"
            "No Id,+919812300014,,2\n"
            ",+919812300015,E-15,2\n"
            "Twice,+91 98123 00011,E-16,3\n"
            "Missing Phone,,E-17,3\n"
        )
    )
    assert job.status == ImportJob.Status.COMPLETED
    assert (job.created_count, job.rejected_count) == (1, 6)
    assert errors(job) == [
        (3, "Phone Number", "“12345” is too short."),
        (4, "Grade", "“lots” is not a number."),
        (5, "Employee ID", "Employee ID is mandatory for new users."),
        (6, "Name", "The name is missing."),
        (7, "Phone Number", "+91 98123 00011 already appears on row 2; only that row counts."),
        (8, "Phone Number", "The phone number is missing."),
    ]
    assert set(members(organization)) == {org_admin.phone_number, "+919812300011"}
    assert job.row_errors.get(row_number=4).values == ["Bad Grade", "+919812300013", "E-13", "lots"]


def test_the_error_log_lists_every_rejected_row_with_its_original_values(make_job, organization, org_admin):
    job = run(make_job("Name,Phone Number\nAsha,+919812300021\nBad,nope\n"))
    log = "".join(services.error_log_lines(job))
    assert log.startswith("\ufeffRow,Column,Reason,Name,Phone Number\r\n")
    assert "3,Phone Number,“nope” is not a phone number.,Bad,nope\r\n" in log


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "Name,Mobile\nAsha,+919812300031\n",
            "The file has no Phone Number column. Its first row must name the columns, as in the template.",
        ),
        ("Name,Phone Number\nBad,nope\nWorse,123\n", "All 2 rows were rejected: see the error log."),
        ("Name,Phone Number\n\n,\n", "The file has no rows of users under its header."),
        ("", "The file is empty."),
    ],
)
def test_a_file_that_cannot_be_imported_fails_with_its_reason_and_changes_nothing(
    make_job, organization, org_admin, content, reason
):
    before = members(organization)
    job = run(make_job(content))
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == reason
    assert members(organization).keys() == before.keys()


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("utf-16", ","), ("cp1252", ";"), ("utf-8-sig", ";"), ("utf-8", "\t")],
)
def test_files_excel_produces_are_read_correctly(make_job, organization, org_admin, encoding, delimiter):
    name = "Zoë Ørsted" if encoding == "cp1252" else "प्रिया Zoë"
    rows = [
        ["  NAME ", "phone  number *"],
        [name, "+91 98123 00041"],
        ['Line "one"\nline two, with comma', "+91 98123 00042"],
        ["", ""],
        ["", ""],
    ]
    text = "\r\n".join(delimiter.join(_quote(cell, delimiter) for cell in row) for row in rows) + "\r\n"
    job = run(make_job(csv_bytes(text, encoding)))
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    people = members(organization)
    assert people["+919812300041"].name == name
    # The quoted cell is read whole, line break and comma included; a name is one line, so it is refused.
    (error,) = job.row_errors.all()
    assert (error.row_number, error.reason) == (3, "The name breaks across lines.")
    assert error.values == ['Line "one"\nline two, with comma', "+91 98123 00042"]


def _quote(cell: str, delimiter: str) -> str:
    if any(c in cell for c in [delimiter, '"', "\n"]):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def test_an_excel_workbook_is_imported(make_job, organization, org_admin, grade):
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Phone Number", "Grade"])
    sheet.append(["Asha", 919812300051, 4.0])
    sheet.append(["Bala", "+91 98123 00052", None])
    buffer = BytesIO()
    workbook.save(buffer)
    job = run(make_job(buffer.getvalue(), name="people.xlsx", file_format="xlsx"))
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    people = members(organization)
    assert people["+919812300051"].attribute_values == {grade.key: 4}
    assert "+919812300052" in people


def test_the_template_example_row_is_ignored_when_left_unchanged(make_job, organization, org_admin, grade):
    template = services.template_csv(organization).lstrip("\ufeff")
    job = run(make_job(template + "Asha,+919812300061,5\r\n"))
    assert (job.created_count, job.rejected_count, job.status) == (1, 0, ImportJob.Status.COMPLETED)
    assert "+919812345678" not in members(organization)


def test_the_template_has_the_columns_and_marks_mandatory_ones(organization, employee_id, grade):
    template = services.template_csv(organization)
    assert template.startswith("\ufeffName,Phone Number,Employee ID (mandatory),Grade\r\n")


@pytest.mark.parametrize("prepared_in_parallel", [False, True], ids=["prepared-in-line", "prepared-in-parallel"])
def test_a_retried_job_resumes_after_its_last_committed_batch(
    make_job, organization, org_admin, settings, prepared_in_parallel
):
    settings.IMPORT_BATCH_SIZE = 2
    settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = 0 if prepared_in_parallel else 10**9
    lines = [f"Person {n},+9198123001{n:02d}" for n in range(7)] + ["Again,+919812300100"]
    job = make_job("Name,Phone Number\n" + "\n".join(lines) + "\n")
    # A first run committed two batches (four rows) and died.
    jobs.claim_job(IMPORT_JOBS, job.pk, "first-run")
    job.refresh_from_db()
    with pytest.raises(RuntimeError):
        _process_then_die(job, after_batches=2)
    job.refresh_from_db()
    assert job.rows_done == 4 and job.created_count == 4

    job = run(job)  # the retry takes over (the first run's heartbeat is stale)

    assert job.status == ImportJob.Status.COMPLETED
    assert (job.rows_done, job.created_count, job.rejected_count) == (8, 7, 1)
    # The duplicate on the last row was still recognised, though its first row was in a batch before the retry.
    assert errors(job) == [(9, "Phone Number", "+91 98123 00100 already appears on row 2; only that row counts.")]
    assert len([p for p in members(organization) if p.startswith("+9198123001")]) == 7


def _process_then_die(job, *, after_batches):
    original = services._import_batch
    calls = []

    def import_batch(*args):
        if len(calls) == after_batches:
            raise RuntimeError("worker lost")
        calls.append(1)
        original(*args)

    services._import_batch = import_batch
    try:
        services._process(job, "first-run")
    finally:
        services._import_batch = original
        # Its heartbeat stops, as a dead worker's does.
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)


def test_a_job_held_by_a_live_run_is_left_alone(make_job, organization, org_admin):
    job = make_job("Name,Phone Number\nAsha,+919812300071\n")
    assert jobs.claim_job(IMPORT_JOBS, job.pk, "live-run") is not None
    services.run_import(job_id=job.pk, run_id="second-delivery")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PROCESSING and job.claimed_by == "live-run"
    assert "+919812300071" not in members(organization)


def test_a_finished_job_is_not_run_again(make_job, organization, org_admin):
    job = run(make_job("Name,Phone Number\nAsha,+919812300081\n"))
    members(organization)["+919812300081"].delete()
    run(job)
    assert "+919812300081" not in members(organization)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Asha\x1b[31m", "The name contains control characters."),
        ("Asha \u202eahsA", "The name contains characters that reverse how text is shown."),
        ("Asha\nRao", "The name breaks across lines."),
    ],
)
def test_names_that_would_not_show_as_typed_are_refused_row_by_row(make_job, organization, org_admin, name, reason):
    job = run(make_job(f'Name,Phone Number\n"{name}",+91 98123 00051\nRavi,+91 98123 00052\n'))
    assert [(e.row_number, e.column, e.reason) for e in job.row_errors.all()] == [(2, "Name", reason)]
    assert set(members(organization)) == {org_admin.phone_number, "+919812300052"}


def test_clear_in_a_cell_clears_that_value_and_in_the_name_column_the_name(make_job, organization, org_admin, grade):
    notes = AttributeDefinitionFactory(organization=organization, name="Notes")
    known = OrganizationUserFactory(
        organization=organization,
        name="Kavya Iyer",
        user=UserFactory(phone_number="+919812300071"),
        attribute_values={grade.key: 3, notes.key: "keep me"},
    )
    renamed = OrganizationUserFactory(
        organization=organization,
        name="Old Name",
        user=UserFactory(phone_number="+919812300072"),
        attribute_values={grade.key: 5, notes.key: "old"},
    )

    job = run(
        make_job(
            "Name,Phone Number,Grade,Notes\n"
            "Kavya Iyer,+919812300071,#CLEAR,\n"  # Grade cleared; the empty Notes cell leaves it
            "#clear,+919812300072,6,#Clear\n"  # the token in any case
        )
    )

    assert (job.updated_count, job.rejected_count, job.status) == (2, 0, ImportJob.Status.COMPLETED)
    known.refresh_from_db()
    assert (known.name, known.attribute_values) == ("Kavya Iyer", {notes.key: "keep me"})
    renamed.refresh_from_db()
    assert (renamed.name, renamed.attribute_values) == ("", {grade.key: 6})


def test_a_mandatory_attribute_cannot_be_cleared_and_its_row_changes_nothing(
    make_job, organization, org_admin, employee_id, grade
):
    known = OrganizationUserFactory(
        organization=organization,
        name="Kavya Iyer",
        user=UserFactory(phone_number="+919812300073"),
        attribute_values={employee_id.key: "E-7", grade.key: 3},
    )

    job = run(make_job("Name,Phone Number,Employee ID (mandatory),Grade\nRenamed,+919812300073,#CLEAR,#CLEAR\n"))

    assert job.status == ImportJob.Status.FAILED
    assert errors(job) == [(2, "Employee ID", "Employee ID is mandatory: it cannot be cleared.")]
    known.refresh_from_db()
    assert (known.name, known.attribute_values) == ("Kavya Iyer", {employee_id.key: "E-7", grade.key: 3})


def test_clearing_someone_new_adds_them_without_the_value(make_job, organization, org_admin, grade):
    job = run(make_job("Name,Phone Number,Grade\nAsha,+919812300074,#CLEAR\n#CLEAR,+919812300075,4\n"))
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert members(organization)["+919812300074"].attribute_values == {}
    assert errors(job) == [(3, "Name", "The name is missing.")]


def test_the_template_example_row_says_how_to_clear_and_is_still_ignored(make_job, organization, org_admin, grade):
    rows = list(csv.reader(io.StringIO(services.template_csv(organization).lstrip("\ufeff"))))
    assert rows[1][:3] == ["Priya Sharma (example)", "'+91 98123 45678", "42"]
    assert "#CLEAR in a cell clears it" in rows[1][3]
    # A template downloaded before the note was added is ignored as well.
    old_template = "Name,Phone Number,Grade\r\nPriya Sharma (example),'+91 98123 45678,42\r\n"
    for n, template in enumerate([services.template_csv(organization).lstrip("\ufeff"), old_template]):
        job = run(make_job(template + f"Asha,+91981230007{6 + n},5\r\n"))
        assert (job.created_count, job.rejected_count) == (1, 0)
    assert "+919812345678" not in members(organization)


def test_a_spreadsheet_date_cell_and_a_csv_date_import_as_the_same_date_shown_without_a_time(
    make_job, organization, org_admin, client_for
):
    from datetime import datetime

    from django.urls import reverse
    from openpyxl import Workbook

    joined = AttributeDefinitionFactory(organization=organization, name="Joined", value_type="datetime")
    workbook = Workbook()
    workbook.active.append(["Name", "Phone Number", "Joined"])
    workbook.active.append(["Asha", "+919812300081", datetime(2024, 1, 2)])  # an Excel date cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert run(make_job(buffer.getvalue(), name="people.xlsx", file_format="xlsx")).created_count == 1
    assert run(make_job("Name,Phone Number,Joined\nBala,+919812300082,02/01/2024\n")).created_count == 1

    people = members(organization)
    from_excel, from_csv = people["+919812300081"], people["+919812300082"]
    assert from_excel.attribute_values == from_csv.attribute_values == {joined.key: "2024-01-02"}
    client = client_for(org_admin)
    for person in (from_excel, from_csv):
        page = client.get(reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": person.user_id}))
        assert "2 Jan 2024" in page.content.decode() and "2 Jan 2024 00:00" not in page.content.decode()
