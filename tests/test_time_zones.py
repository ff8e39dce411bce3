"""Every timestamp on a page and in a CSV file, in the organization's time zone, naming it.

Contoso is in Kolkata (UTC+05:30, no summer time) unless a test moves it; Fabrikam is in
New York. The same moment, 2 Jan 2026 08:35 UTC, reads 14:05 IST in one and 03:35 EST in
the other. Europe/London shows the summer-time edge: GMT in winter, BST in summer.
"""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportJob

from .factories import AttributeDefinitionFactory, AuditEventFactory, OrganizationUserFactory

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
