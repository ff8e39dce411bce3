"""The demo data's export history: real files of the demo organization's users, as the export writes them."""

from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob
from users.models import Organization, OrganizationUser

from .conftest import error_log_rows, rows_of


def test_the_seeded_exports_hold_the_organizations_users_and_show_their_counts(db, client_for):
    call_command("seed_demo", users=30, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")
    users = OrganizationUser.objects.filter(organization=contoso).count()
    completed = ExportJob.objects.filter(organization=contoso, status=ExportJob.Status.COMPLETED)
    assert completed.count() == 4
    for job in completed:
        rows = rows_of(job)
        assert rows[0][:2] == ["Name", "Phone Number"]
        assert len(rows) - 1 == job.total_rows == job.rows_done == users

    failed = ExportJob.objects.get(organization=contoso, status=ExportJob.Status.FAILED)
    assert failed.failure_reason.endswith("may no longer export the users of Contoso Health.")
    log = error_log_rows(failed)
    assert log[1][5].endswith(failed.failure_reason)
    assert log[1][3] == timezone.localtime(failed.finished_at).strftime("%Y-%m-%d %H:%M")  # in the past, as its row

    asha = OrganizationUser.objects.get(organization=contoso, name="Asha Admin").user
    content = client_for(asha).get(reverse("exports:history", kwargs={"org_slug": "contoso"})).content.decode()
    assert content.count(f"<td>{users}</td>") == 4  # each completed export's count of users
    assert "Download the error log file" in content
