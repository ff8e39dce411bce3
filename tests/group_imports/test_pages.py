"""Uploading either file, the history and its downloads, for each role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from group_imports.models import GroupImportJob, GroupImportRowError

from .conftest import PARENT_HEADER, USER_HEADER, run


def url(name, organization, **kwargs):
    return reverse(f"group_imports:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def upload(client, organization, content: bytes, *, kind="user_mapping", name="groups.csv"):
    return client.post(url(f"upload_{kind}", organization), {"file": SimpleUploadedFile(name, content)})


def stored_files(settings):
    root = settings.PRIVATE_STORAGE_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("kind", ["user_mapping", "parent_mapping"])
def test_a_good_file_is_kept_queued_and_audited_and_the_uploader_lands_on_the_history(
    client_for, organization, org_admin, django_capture_on_commit_callbacks, kind
):
    content = (USER_HEADER if kind == "user_mapping" else PARENT_HEADER).encode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client_for(org_admin), organization, content, kind=kind)

    assert response.status_code == 302 and response["Location"] == url("history", organization)
    job = GroupImportJob.objects.get()
    assert (job.kind, job.file_name, job.uploaded_by, job.status) == (kind, "groups.csv", org_admin, "processing")
    assert job.file.read() == content
    assert len(callbacks) == 1
    event = AuditEvent.objects.get()
    assert (event.verb, event.details["file_name"]) == (AuditEvent.Verb.GROUP_IMPORT_STARTED, "groups.csv")


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("user_mapping", "groups.txt", USER_HEADER.encode(), "Upload a .csv file, like the template."),
        ("user_mapping", "groups.csv", b"Group,Mobile\n", "The file has no Phone Number column."),
        ("user_mapping", "groups.csv", PARENT_HEADER.encode(), "This looks like a Parent Group Mapping file"),
        ("parent_mapping", "groups.csv", USER_HEADER.encode(), "This looks like a User Group Mapping file"),
        ("parent_mapping", "groups.csv", b"Child,Parent\n", "The file has no Child Group and no Parent Group column."),
        ("user_mapping", "groups.csv", b"\x00\x01binary", "The file looks binary, not CSV text."),
    ],
)
def test_a_bad_file_is_refused_on_the_page_and_nothing_is_kept(
    client_for, organization, org_admin, settings, kind, name, content, message
):
    response = upload(client_for(org_admin), organization, content, kind=kind, name=name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GroupImportJob.objects.exists() and not AuditEvent.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_limit_is_refused_before_it_is_kept(client_for, organization, org_admin, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = upload(client_for(org_admin), organization, USER_HEADER.encode() + b"Sales,+919812300001,\n" * 100)

    assert "MB are accepted. Split it into several files." in response.content.decode()
    assert not GroupImportJob.objects.exists()


def test_a_member_may_not_upload(client_for, organization, member):
    assert upload(client_for(member), organization, USER_HEADER.encode()).status_code == 403


@pytest.fixture
def finished_jobs(make_job, organization, org_admin, group_admin):
    mine = run(make_job(USER_HEADER + "Sales North,+919812300001,member\nSales North,bad,member\n", by=group_admin))
    theirs = run(make_job(USER_HEADER + "Sales,+919812300002,admin\n", name="admin.csv"))
    return mine, theirs


def test_the_history_shows_an_org_admin_every_upload_and_a_group_admin_their_own(
    client_for, organization, org_admin, group_admin, finished_jobs
):
    mine, theirs = finished_jobs
    everything = client_for(org_admin).get(url("history", organization)).content.decode()
    own = client_for(group_admin).get(url("history", organization)).content.decode()

    assert f'id="group-import-{mine.pk}"' in everything and f'id="group-import-{theirs.pk}"' in everything
    assert f'id="group-import-{mine.pk}"' in own and f'id="group-import-{theirs.pk}"' not in own
    assert "0 groups created, 1 added, 0 updated, 0 unchanged, 1 rejected" in own
    original = client_for(group_admin).get(url("original", organization, job_id=theirs.pk))
    assert original.status_code == 404


def test_the_error_log_lists_each_rejected_row_with_its_reason_and_values(
    client_for, organization, group_admin, finished_jobs
):
    mine, _ = finished_jobs
    response = client_for(group_admin).get(url("errors", organization, job_id=mine.pk))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == [
        "Row,Column,Reason,Group,Phone Number,User Type",
        "3,Phone Number,This phone number is not a phone number.,Sales North,bad,member",
    ]
    assert response["Content-Disposition"] == 'attachment; filename="groups-errors.csv"'
    assert GroupImportRowError.objects.count() == 1
