"""Export -> import through the real import service: an unedited export changes nothing,
an edited one changes exactly the cells that were edited."""

import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services as import_services
from imports.models import ImportJob
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory
from .conftest import file_bytes, memberships, rows_of, run

# Values that a CSV file or a spreadsheet could get wrong, per attribute type.
VALUES = {
    "string": [
        "plain",
        "comma, inside",
        'a "quoted" word',
        "two\nlines",
        "windows\r\nlines",
        "tab\tinside",
        "semi;colon",
        "प्रिया शर्मा",
        "அருண் குமார்",
        "王小明",
        "مرحبا بالعالم",
        "Zoë Ångström",
        "emoji 🎉",
        "=1+2",
        "+44 not a number",
        "-minus first",
        "@mention",
        "'=already guarded",
        "''=twice",
        "'apostrophes'",
        "x" * 1000,
    ],
    "number": [0, 7, -5, 4.5, -0.25, 0.1, 1e-05, -1e-07, 1234567.891, 999999999999999],
    "datetime": ["2024-03-01", "2024-03-01T09:30", "2024-12-31T23:59:59", "2024-02-29T00:00", "1999-01-01"],
    "boolean": [True, False],
}
NAMES = [
    "Kavya Iyer",
    "O'Brien, Jr.",
    'Zoë "Z" Ng',
    "प्रिया शर्मा",
    "=cmd|' /C calc'!A0",
    "-Minus",
    "@handle",
    "王小明",
    "",
]


def reimport(content: bytes, organization, admin) -> ImportJob:
    """Upload ``content`` as an admin would, and run the import job here."""
    upload = SimpleUploadedFile("export.csv", content)
    file_format = import_services.check_upload(organization=organization, upload=upload).file_format
    job = import_services.create_import_job(
        organization=organization, uploaded_by=admin, upload=upload, file_format=file_format
    )
    import_services.run_import(job_id=job.pk, run_id="reimport")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    return job


def counts(job: ImportJob) -> tuple[int, int, int, int]:
    return job.created_count, job.updated_count, job.unchanged_count, job.rejected_count


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode()


@pytest.mark.parametrize("value_type", list(VALUES))
def test_an_unedited_export_of_each_attribute_type_reimports_with_no_change(
    request_export, organization, org_admin, value_type
):
    definition = AttributeDefinitionFactory(organization=organization, name="Value", value_type=value_type)
    for value in VALUES[value_type]:
        OrganizationUserFactory(organization=organization, attribute_values={definition.key: value})
    before = memberships(organization)

    job = reimport(file_bytes(run(request_export())), organization, org_admin)

    assert counts(job) == (0, 0, len(before), 0)
    assert memberships(organization) == before
    stored = [m[3][definition.key] for m in before.values() if definition.key in m[3]]
    assert sorted(map(repr, stored)) == sorted(map(repr, VALUES[value_type]))  # types too: 7, not 7.0


@pytest.fixture
def everyone(organization, org_admin, attributes, via_group_member):
    """Users whose names and values are all the awkward ones, some values left blank."""
    lists = {definition.key: VALUES[definition.value_type] for definition in attributes.values()}
    for n in range(len(VALUES["string"])):
        values = {key: choices[(n + i) % len(choices)] for i, (key, choices) in enumerate(lists.items())}
        blank = list(lists)[n % len(lists)]
        values.pop(blank)
        OrganizationUserFactory(organization=organization, name=NAMES[n % len(NAMES)], attribute_values=values)
    return memberships(organization)


def test_an_unedited_export_of_the_whole_organization_reimports_with_no_change(
    request_export, organization, org_admin, everyone
):
    job = reimport(file_bytes(run(request_export())), organization, org_admin)
    assert counts(job) == (0, 0, len(everyone), 0)
    assert memberships(organization) == everyone
    # Someone who came through a group stays someone who came through a group.
    assert everyone["+919700000099"][2] is False


def test_an_edited_export_changes_exactly_the_edited_cells(
    request_export, organization, org_admin, attributes, everyone, via_group_member
):
    rows = rows_of(run(request_export()))
    header, data = rows[0], rows[1:]
    column = {name: header.index(name) for name in ["Name", "Grade", "Notes", "Role", "Source", "Date added (UTC)"]}
    assert [row[1] for row in data[:2]] == [f"'{org_admin.phone_number}", "'+919700000099"]
    first, second, third, fourth, fifth = data[2], data[3], data[4], data[5], data[7]
    first[column["Grade"]] = "12"
    second[column["Notes"]] = "'=now guarded, by hand"
    third[column["Name"]] = "Renamed Person"
    # Read-only columns, and a cleared cell (which leaves the value as it is), change nothing.
    fourth[column["Role"]] = "Organization admin"
    fourth[column["Source"]] = "Added directly"
    fourth[column["Date added (UTC)"]] = "1999-01-01 00:00"
    assert fifth[column["Notes"]]
    fifth[column["Notes"]] = ""
    data[1][column["Source"]] = "Added directly"

    job = reimport(to_csv(rows), organization, org_admin)

    assert counts(job) == (0, 3, len(everyone) - 3, 0)
    expected = dict(everyone)

    def edited(row, *, name=None, **values):
        e164 = row[1].lstrip("'")
        old_name, role, direct, old_values = expected[e164]
        keys = {attributes[key].key: value for key, value in values.items()}
        expected[e164] = (name or old_name, role, direct, {**old_values, **keys})

    edited(first, grade=12)
    edited(second, notes="=now guarded, by hand")
    edited(third, name="Renamed Person")
    assert memberships(organization) == expected
    assert OrganizationUser.objects.get(user__phone_number="+919700000099").added_directly is False


def test_a_file_without_the_source_column_still_adds_group_members_directly(organization, org_admin, via_group_member):
    # The template's columns only: someone listed in an upload is added directly, as before.
    job = reimport(b"Name,Phone Number\nGita Viagroup,+919700000099\n", organization, org_admin)
    assert counts(job) == (0, 1, 0, 0)
    assert OrganizationUser.objects.get(user=via_group_member).added_directly is True
