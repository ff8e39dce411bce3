import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from group_imports import services
from group_imports.models import GroupImportJob
from groups.models import Group, GroupMembership

USER_HEADER = "Group,Phone Number,User Type\n"
PARENT_HEADER = "Child Group,Parent Group\n"


@pytest.fixture
def make_job(organization, org_admin):
    def make(content: str, *, kind=GroupImportJob.Kind.USER_MAPPING, by=None, name="groups.csv") -> GroupImportJob:
        data = content.encode("utf-8")
        job = GroupImportJob(
            organization=organization,
            uploaded_by=by or org_admin,
            kind=kind,
            file_name=name,
            token=f"g{GroupImportJob.objects.count()}x{len(data)}",
            queued_at=timezone.now(),
        )
        job.file.save(name, ContentFile(data), save=False)
        job.save()
        return job

    return make


def run(job: GroupImportJob) -> GroupImportJob:
    services.run_job(job_id=job.pk, run_id="test-run")
    job.refresh_from_db()
    return job


def errors(job: GroupImportJob) -> list[tuple[int, str, str]]:
    return [(e.row_number, e.column, e.reason) for e in job.row_errors.all()]


def memberships(organization) -> set[tuple[str, str, str]]:
    """(group path, phone number, role) of every membership of the organization's groups."""
    from groups.selectors import paths_of

    groups = list(Group.objects.filter(organization=organization))
    paths = paths_of(groups)
    return {
        (paths[m.group_id], m.user.phone_number, m.role)
        for m in GroupMembership.objects.filter(group__in=groups).select_related("user")
    }


def hierarchy(organization) -> dict[str, str | None]:
    """Each group's name -> its parent's name."""
    return {g.name: g.parent.name if g.parent else None for g in Group.objects.filter(organization=organization)}
