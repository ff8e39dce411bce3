"""Every timestamp on a page and in a CSV file, in the organization's time zone, naming it.

Contoso is in Kolkata (UTC+05:30, no summer time) unless a test moves it; Fabrikam is in
New York. The same moment, 2 Jan 2026 08:35 UTC, reads 14:05 IST in one and 03:35 EST in
the other. Europe/London shows the summer-time edge: GMT in winter, BST in summer.
"""

import codecs
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bulk_actions.models import BulkJob
from exports import services as export_services
from exports.models import ExportJob
from imports import services as import_services
from imports.models import ImportJob

from .factories import AttributeDefinitionFactory, AuditEventFactory, OrganizationUserFactory, UserFactory

MOMENT = datetime(2026, 1, 2, 8, 35, tzinfo=UTC)
# Already 3 January in Kolkata (01:30 IST).
LATE_EVENING = datetime(2026, 1, 2, 20, 0, tzinfo=UTC)


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def in_zone(organization, name):
    organization.time_zone = name
    organization.save(update_fields=["time_zone"])
    return organization


def import_job(organization, uploaded_by, *, created_at=MOMENT, content="Name,Phone Number\n") -> ImportJob:
    job = ImportJob(
        organization=organization,
        uploaded_by=uploaded_by,
        file_name="people.csv",
        file_format="csv",
        token=f"zones-{ImportJob.objects.count()}",
        created_at=created_at,
        queued_at=created_at,
    )
    job.file.save(job.file_name, ContentFile(content.encode()), save=False)
    job.save()
    return job


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text(response), newline="")))


@pytest.fixture
def kolkata(organization):
    return in_zone(organization, "Asia/Kolkata")


@pytest.fixture
def new_york(other_organization):
    return in_zone(other_organization, "America/New_York")


# Pages ----------------------------------------------------------------------------------------


def test_the_same_moment_reads_in_each_organizations_own_zone(
    client_for, kolkata, new_york, org_admin, other_org_admin
):
    import_job(kolkata, org_admin)
    import_job(new_york, other_org_admin)

    contoso = client_for(org_admin).get(url("imports:history", kolkata)).content.decode()
    fabrikam = client_for(other_org_admin).get(url("imports:history", new_york)).content.decode()

    utc = '<time datetime="2026-01-02T08:35:00+00:00"'
    assert f'{utc} title="Asia/Kolkata">2 Jan 2026, 14:05 IST</time>' in contoso
    assert f'{utc} title="America/New_York">2 Jan 2026, 03:35 EST</time>' in fabrikam
    # Nothing of the request's zone stays behind for whatever this thread serves next.
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize("history", ["imports:history", "exports:history", "bulk_actions:history"])
def test_every_job_history_shows_when_in_the_zone(client_for, kolkata, org_admin, history):
    if history == "imports:history":
        import_job(kolkata, org_admin)
    elif history == "exports:history":
        job = ExportJob.objects.create(organization=kolkata, requested_by=org_admin, file_name="e.csv", token="tz-e")
        ExportJob.objects.filter(pk=job.pk).update(created_at=MOMENT)
    else:
        job = BulkJob.objects.create(organization=kolkata, requested_by=org_admin, kind=BulkJob.Kind.DELETE)
        BulkJob.objects.filter(pk=job.pk).update(created_at=MOMENT)
    page = client_for(org_admin).get(url(history, kolkata)).content.decode()
    assert '<time datetime="2026-01-02T08:35:00+00:00" title="Asia/Kolkata">2 Jan 2026, 14:05 IST</time>' in page


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "15 Jan 2026, 12:00 GMT"),
        (datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "15 Jul 2026, 13:00 BST"),
        # Clocks go forward at 01:00 UTC on 29 March 2026: a minute before and the minute itself.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 Mar 2026, 00:59 GMT"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 Mar 2026, 02:00 BST"),
        # And back at 01:00 UTC on 25 October: 01:30 happens twice, once in each.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 Oct 2026, 01:30 BST"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 Oct 2026, 01:30 GMT"),
    ],
)
def test_london_reads_gmt_in_winter_and_bst_in_summer(client_for, organization, org_admin, moment, shown):
    in_zone(organization, "Europe/London")
    AuditEventFactory(organization=organization, created_at=moment)

    content = client_for(org_admin).get(url("audit:log", organization)).content.decode()

    assert f'<time datetime="{moment.isoformat()}" title="Europe/London">{shown}</time>' in content


def test_a_users_pages_show_when_they_were_added_in_the_zone(client_for, kolkata, org_admin):
    # 20:00 UTC on 2 January is already 3 January in Kolkata.
    added = OrganizationUserFactory(
        organization=kolkata, name="Late Joiner", added_at=datetime(2026, 1, 2, 20, 0, tzinfo=UTC)
    )
    client = client_for(org_admin)

    detail = client.get(url("users:detail", kolkata, user_id=added.user_id)).content.decode()
    listed = client.get(url("users:list", kolkata), {"q": "Late Joiner"}).content.decode()

    assert 'title="Asia/Kolkata">3 Jan 2026, 01:30 IST</time>' in detail
    assert '<time datetime="2026-01-02T20:00:00+00:00" title="Asia/Kolkata">3 Jan 2026</time>' in listed


def test_the_audit_logs_day_filter_starts_at_midnight_in_the_zone(client_for, kolkata, org_admin):
    AuditEventFactory(organization=kolkata, created_at=datetime(2026, 1, 2, 18, 29, tzinfo=UTC), target_label="Before")
    AuditEventFactory(organization=kolkata, created_at=datetime(2026, 1, 2, 18, 31, tzinfo=UTC), target_label="After")

    content = client_for(org_admin).get(url("audit:log", kolkata), {"since": "2026-01-03"}).content.decode()

    assert "After" in content and "Before" not in content


def test_date_values_of_attributes_are_not_shifted(client_for, organization, org_admin):
    in_zone(organization, "Pacific/Kiritimati")  # UTC+14: any shift would show the next day
    day = AttributeDefinitionFactory(organization=organization, name="Joined", value_type="datetime")
    moment = AttributeDefinitionFactory(organization=organization, name="Badge issued", value_type="datetime")
    person = OrganizationUserFactory(
        organization=organization, attribute_values={day.key: "2024-03-01", moment.key: "2024-03-01T23:30"}
    )

    content = client_for(org_admin).get(url("users:detail", organization, user_id=person.user_id)).content.decode()

    assert "1 Mar 2024</" in content and "1 Mar 2024 23:30" in content
    assert "2 Mar 2024" not in content


# CSV files ------------------------------------------------------------------------------------


def run_export(organization, requested_by) -> ExportJob:
    job = export_services.create_export_job(organization=organization, requested_by=requested_by, scope="")
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    export_services.run_export(job_id=job.pk, run_id="zones")  # as a worker: no request, no active zone
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COMPLETED, job.failure_reason
    return job


def export_rows(job: ExportJob) -> list[list[str]]:
    with job.file.open("rb") as file:
        raw = file.read()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_an_export_writes_date_added_in_the_zone_it_names(kolkata, org_admin):
    OrganizationUserFactory(
        organization=kolkata,
        user=UserFactory(phone_number="+919812300001"),
        added_at=datetime(2026, 1, 2, 20, 0, tzinfo=UTC),
    )

    header, *rows = export_rows(run_export(kolkata, org_admin))

    assert header[-1] == "Date added (Asia/Kolkata)"
    assert {row[1]: row[-1] for row in rows}["'+919812300001"] == "2026-01-03 01:30"


def test_an_export_from_london_writes_summer_and_winter_times(organization, org_admin):
    in_zone(organization, "Europe/London")
    for phone_number, added_at in [
        ("+919812300001", datetime(2026, 1, 15, 12, 0, tzinfo=UTC)),
        ("+919812300002", datetime(2026, 7, 15, 12, 0, tzinfo=UTC)),
    ]:
        OrganizationUserFactory(
            organization=organization, user=UserFactory(phone_number=phone_number), added_at=added_at
        )

    header, *rows = export_rows(run_export(organization, org_admin))

    assert header[-1] == "Date added (Europe/London)"
    added = {row[1]: row[-1] for row in rows}
    assert (added["'+919812300001"], added["'+919812300002"]) == ("2026-01-15 12:00", "2026-07-15 13:00")


def test_an_export_imports_back_without_its_zoned_column_counted_unknown(kolkata, org_admin):
    header, *_ = export_rows(run_export(kolkata, org_admin))
    upload = SimpleUploadedFile("export.csv", (",".join(header) + "\n").encode())

    checked = import_services.check_upload(organization=kolkata, upload=upload)

    assert checked.unknown_columns == []


def test_the_import_error_log_keeps_the_files_own_header_and_cells(client_for, kolkata, org_admin):
    """Its columns are the file's: an exported time stays as written, under the header that names its zone."""
    job = import_job(
        kolkata,
        org_admin,
        content=(
            "Name,Phone Number,Date added (Asia/Kolkata)\n"
            "Somebody,+919812300009,2026-01-02 09:00\n"
            "Nobody,12345,2026-01-03 01:30\n"
        ),
    )
    import_services.run_import(job_id=job.pk, run_id="zones")

    header, row = csv_rows(client_for(org_admin).get(url("imports:errors", kolkata, job_id=job.pk)))

    assert header == ["Row", "Column", "Reason", "Name", "Phone Number", "Date added (Asia/Kolkata)"]
    assert row[3:] == ["Nobody", "12345", "2026-01-03 01:30"]


def test_the_audit_download_writes_times_in_the_zone_it_names(client_for, kolkata, org_admin):
    AuditEventFactory(organization=kolkata, created_at=MOMENT)

    header, row = csv_rows(client_for(org_admin).get(url("audit:download", kolkata)))

    assert header[0] == "Date (Asia/Kolkata)"
    assert row[0] == "2026-01-02 14:05:00"


def test_the_audit_download_of_london_names_summer_time_too(client_for, organization, org_admin):
    in_zone(organization, "Europe/London")
    AuditEventFactory(organization=organization, created_at=datetime(2026, 7, 15, 12, 0, tzinfo=UTC))
    AuditEventFactory(organization=organization, created_at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))

    header, *rows = csv_rows(client_for(org_admin).get(url("audit:download", organization)))

    assert header[0] == "Date (Europe/London)"
    assert [row[0] for row in rows] == ["2026-07-15 13:00:00", "2026-01-15 12:00:00"]


def test_report_downloads_count_months_in_the_zone_they_name(client_for, kolkata, org_admin):
    zone = ZoneInfo("Asia/Kolkata")
    this_month = timezone.localdate(timezone=zone).replace(day=1)
    # A minute into this month in Kolkata: still last month in UTC.
    started = datetime.combine(this_month, datetime.min.time(), tzinfo=zone) + timedelta(minutes=1)
    import_job(kolkata, org_admin, created_at=started)
    client = client_for(org_admin)

    jobs = csv_rows(client.get(url("reports:jobs_csv", kolkata)))
    activity = csv_rows(client.get(url("reports:activity_csv", kolkata)))

    assert jobs[0][0] == "Month (Asia/Kolkata)" and jobs[0][3] == "Imports processing"
    assert jobs[-1][0] == f"{this_month:%b %Y}" and jobs[-1][3] == "1"
    assert activity[0][0] == "Week starting (Asia/Kolkata)"
    # Tables of groups and attributes hold no times: their headers are as on the page.
    assert csv_rows(client.get(url("reports:members_csv", kolkata)))[0][0] == "Group"


def test_a_fresh_organization_names_utc_in_its_files(client_for, organization, org_admin):
    AuditEventFactory(organization=organization, created_at=MOMENT)

    header, row = csv_rows(client_for(org_admin).get(url("audit:download", organization)))

    assert (header[0], row[0]) == ("Date (UTC)", "2026-01-02 08:35:00")
