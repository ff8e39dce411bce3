import codecs

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from imports.models import ImportJob
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory


@pytest.fixture
def employee_id(organization):
    return AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True)


@pytest.fixture
def grade(organization):
    return AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number")


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16":
        return text.encode("utf-16")  # with its BOM
    return text.encode(encoding)


@pytest.fixture
def make_job(organization, org_admin):
    def make(content: bytes | str, *, name="users.csv", file_format="csv", queued=True) -> ImportJob:
        if isinstance(content, str):
            content = content.encode("utf-8")
        job = ImportJob(
            organization=organization,
            uploaded_by=org_admin,
            file_name=name,
            file_format=file_format,
            token=f"t{ImportJob.objects.count()}x{len(content)}",
            # As if the broker took its task, unless the test is about a job it could not take.
            queued_at=timezone.now() if queued else None,
        )
        job.file.save(name, ContentFile(content), save=False)
        job.save()
        return job

    return make


def members(organization) -> dict[str, OrganizationUser]:
    return {
        m.user.phone_number: m
        for m in OrganizationUser.objects.filter(organization=organization).select_related("user")
    }
