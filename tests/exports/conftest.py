import codecs
import csv
import io

import pytest
from django.utils import timezone

from exports import services
from exports.models import ExportJob
from groups.models import GroupMembership
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, GroupFactory, GroupMembershipFactory, OrganizationUserFactory


@pytest.fixture
def attributes(organization):
    """One attribute of each type, the first of them mandatory."""
    return {
        "employee_id": AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True),
        "grade": AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number"),
        "joined": AttributeDefinitionFactory(organization=organization, name="Joined", value_type="datetime"),
        "contractor": AttributeDefinitionFactory(organization=organization, name="Contractor", value_type="boolean"),
        "notes": AttributeDefinitionFactory(organization=organization, name="Notes"),
    }


@pytest.fixture
def via_group_member(organization):
    """Someone in the organization only through a mapped group, which they admin."""
    membership = OrganizationUserFactory(
        organization=organization, added_directly=False, name="Gita Viagroup", user__phone_number="+919700000099"
    )
    group = GroupFactory(organization=organization, name="Field Team")
    GroupMembershipFactory(group=group, user=membership.user, role=GroupMembership.Role.ADMIN)
    return membership.user


@pytest.fixture
def request_export(organization, org_admin):
    def make(scope: str = "") -> ExportJob:
        job = services.create_export_job(organization=organization, requested_by=org_admin, scope=scope)
        # As if the broker took its task (these tests run no on-commit hooks, so nothing is sent).
        ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
        job.refresh_from_db()
        return job

    return make


def run(job: ExportJob, run_id: str = "test-run") -> ExportJob:
    services.run_export(job_id=job.pk, run_id=run_id)
    job.refresh_from_db()
    return job


def file_bytes(job: ExportJob) -> bytes:
    with job.file.open("rb") as exported:
        return exported.read()


def rows_of(job: ExportJob) -> list[list[str]]:
    raw = file_bytes(job)
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def error_log_rows(job: ExportJob) -> list[list[str]]:
    with job.error_log.open("rb") as log:
        return list(csv.reader(io.StringIO(log.read().decode("utf-8-sig"), newline="")))


def by_phone(rows: list[list[str]]) -> dict[str, list[str]]:
    """Data rows by their phone number cell, as the export wrote it ("'+91…")."""
    return {row[1]: row for row in rows[1:]}


def memberships(organization) -> dict[str, tuple]:
    """Everything an import could change about each of the organization's users."""
    return {
        m.user.phone_number: (m.name, m.role, m.added_directly, m.attribute_values)
        for m in OrganizationUser.objects.filter(organization=organization).select_related("user")
    }


def stored_files(settings) -> list[str]:
    root = settings.PRIVATE_STORAGE_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
