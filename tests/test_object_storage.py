"""Private files in an S3-compatible bucket (AWS_STORAGE_BUCKET_NAME): web and workers share no folder.

Every test here keeps its files in a bucket of its own on a real S3 HTTP API (moto's server,
tests/object_storage.py), so django-storages runs its real S3 code: uploads land in the bucket,
workers read and write through it, downloads are links the store signs, given after the policy.
"""

import csv
import io
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exports import services as export_services
from exports.models import ExportJob
from imports import services as import_services
from imports.models import ImportJob
from users.models import OrganizationUser

from .actions.conftest import add_custom_action, package_upload
from .celery_support import progress, running_worker, wait_for
from .factories import OrganizationUserFactory

pytestmark = pytest.mark.usefixtures("in_a_bucket")

PEOPLE = b"Name,Phone Number\nAsha Rao,+919812300001\nRavi Kumar,+919812300002\n"


def fetch(link: str):
    """The body and headers (looked up in any case) of what the link answers."""
    with urllib.request.urlopen(link, timeout=10) as response:
        return response.read(), response.headers


def signed_link(response) -> str:
    """Where a download sent the browser: a link of the store, signed, valid for a minute."""
    assert response.status_code == 302, response.status_code
    assert response["Cache-Control"] == "no-store"
    link = response["Location"]
    query = parse_qs(urlsplit(link).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["60"]
    return link


def upload(client, organization, content: bytes, name="people.csv"):
    url = reverse("imports:upload", kwargs={"org_slug": organization.slug})
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_an_upload_lands_in_the_bucket_and_the_import_reads_it_from_there(
    client_for, organization, org_admin, object_store, in_a_bucket, private_storage
):
    response = upload(client_for(org_admin), organization, PEOPLE)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert object_store.keys(in_a_bucket) == [job.file.name]

    import_services.run_import(job_id=job.pk, run_id="run")
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.COMPLETED, 2)
    names = set(OrganizationUser.objects.filter(organization=organization).values_list("name", flat=True))
    assert {"Asha Rao", "Ravi Kumar"} <= names
    # The worker's copy of the file is gone; nothing of it stays on this machine's disk.
    assert not [path for path in private_storage.rglob("*") if path.is_file()]


def test_the_original_file_downloads_through_a_signed_link_only_for_who_may_see_it(
    client_for, organization, org_admin, member, other_org_admin
):
    upload(client_for(org_admin), organization, PEOPLE)
    job = ImportJob.objects.get()
    url = reverse("imports:original", kwargs={"org_slug": organization.slug, "job_id": job.pk})

    body, headers = fetch(signed_link(client_for(org_admin).get(url)))
    assert body == PEOPLE
    assert headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert client_for(member).get(url).status_code == 403
    assert client_for(other_org_admin).get(url).status_code == 404


def test_an_export_is_saved_whole_to_the_bucket_and_downloads_through_a_signed_link(
    client_for, organization, org_admin, object_store, in_a_bucket
):
    OrganizationUserFactory.create_batch(3, organization=organization)
    job = export_services.create_export_job(organization=organization, requested_by=org_admin, scope="")
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    export_services.run_export(job_id=job.pk, run_id="run")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COMPLETED
    assert object_store.keys(in_a_bucket) == [job.file.name]

    url = reverse("exports:download", kwargs={"org_slug": organization.slug, "job_id": job.pk})
    body, headers = fetch(signed_link(client_for(org_admin).get(url)))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4  # the header, three people and the admin
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="{job.file_name}"'


def test_an_action_package_downloads_through_a_signed_link(client_for, organization, member, object_store, in_a_bucket):
    assert add_custom_action(client_for(member), package_upload()).status_code == 302
    action = organization.actions.get()
    assert object_store.keys(in_a_bucket) == [action.package.name]
    url = reverse("actions:package", kwargs={"org_slug": organization.slug, "action_id": action.pk})
    body, headers = fetch(signed_link(client_for(member).get(url)))
    assert body[:2] == b"PK" and headers["Content-Type"] == "application/zip"


def test_health_answers_for_the_bucket(client, db, redis_url, settings, object_store):
    assert client.get(reverse("healthz")).json()["checks"]["storage"]["ok"] is True
    settings.STORAGES = {**settings.STORAGES, "default": object_store.storage_settings("no-such-bucket")}
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert (storage["ok"], storage["error"]) == (False, "NoSuchBucket")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_web_and_worker_with_no_shared_folder_import_export_and_download(
    client_for, organization, org_admin, object_store, in_a_bucket, redis_url, tmp_path
):
    """The worker runs from another folder, with its own private storage root: only the bucket is shared."""
    elsewhere = tmp_path / "worker-host"
    elsewhere.mkdir()
    worker_environment = {
        **object_store.environment(in_a_bucket),
        "TEST_PRIVATE_STORAGE_ROOT": str(elsewhere / "files"),
    }
    client = client_for(org_admin)
    with running_worker(extra_env=worker_environment, cwd=elsewhere):
        upload(client, organization, PEOPLE)
        job = ImportJob.objects.get()
        wait_for(lambda: progress(job).status == ImportJob.Status.COMPLETED, what="the import")
        assert job.created_count == 2

        response = client.post(reverse("exports:create", kwargs={"org_slug": organization.slug}), {"scope": ""})
        assert response.status_code == 302
        export = ExportJob.objects.get()
        wait_for(lambda: progress(export).status == ExportJob.Status.COMPLETED, what="the export")

    original = reverse("imports:original", kwargs={"org_slug": organization.slug, "job_id": job.pk})
    assert fetch(signed_link(client.get(original)))[0] == PEOPLE
    download = reverse("exports:download", kwargs={"org_slug": organization.slug, "job_id": export.pk})
    exported = fetch(signed_link(client.get(download)))[0].decode("utf-8-sig")
    assert "+919812300001" in exported.replace(" ", "") or "98123 00001" in exported
    assert object_store.keys(in_a_bucket) == sorted([job.file.name, export.file.name])
    # Neither side wrote a file of the job to a folder: the worker's folder holds none either.
    assert not [path for path in elsewhere.rglob("*") if path.is_file() and path.suffix == ".csv"]
