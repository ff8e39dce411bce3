"""The upload page's checks, the history page and the downloads, for each role."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imports import services
from imports.models import IMPORT_JOBS, ImportJob
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory


def url(name, organization, **kwargs):
    return reverse(f"imports:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def upload(client, organization, content: bytes, name="users.csv"):
    return client.post(url("upload", organization), {"file": SimpleUploadedFile(name, content)})


def stored_files(settings):
    root = settings.PRIVATE_STORAGE_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_good_file_is_kept_queued_and_the_admin_lands_on_the_history(
    client_for, organization, org_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client_for(org_admin), organization, b"Name,Phone Number\nAsha,+919812300001\n")
    assert response.status_code == 302 and response["Location"] == url("history", organization)
    job = ImportJob.objects.get()
    assert (job.file_name, job.uploaded_by, job.status) == ("users.csv", org_admin, ImportJob.Status.PROCESSING)
    assert job.file.read() == b"Name,Phone Number\nAsha,+919812300001\n"
    assert job.file.name.startswith(f"imports/{organization.pk}/") and "users.csv" not in job.file.name
    assert len(callbacks) == 1  # the task is queued once the job row is committed


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("users.txt", b"Name,Phone Number\n", "Upload a .csv file (or an Excel .xlsx workbook)."),
        ("users.csv", b"Name,Mobile\nAsha,1\n", "The file has no Phone Number column."),
        ("users.csv", b"Full name,Phone\n", "The file has no Name and no Phone Number column."),
        ("users.csv", b"\x00\x01\x02binary", "The file looks binary, not CSV text."),
        ("users.xlsx", b"not a workbook", "The file is not a readable Excel workbook (.xlsx)."),
        ("users.csv", b"", "The submitted file is empty."),
    ],
)
def test_a_bad_file_is_refused_on_the_page_and_nothing_is_stored(
    client_for, organization, org_admin, settings, name, content, message
):
    response = upload(client_for(org_admin), organization, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_an_oversize_file_is_refused(client_for, organization, org_admin, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    content = b"Name,Phone Number\n" + b"Asha,+919812300001\n" * 60000
    response = upload(client_for(org_admin), organization, content)
    assert (
        "The file is 1.1 MB; files up to 1 MB are accepted. Split it into several files." in response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_the_template_downloads_as_an_attachment(client_for, organization, org_admin):
    response = client_for(org_admin).get(url("template", organization))
    assert response["Content-Disposition"] == 'attachment; filename="contoso-users-template.csv"'
    assert response.content.decode("utf-8").startswith("\ufeffName,Phone Number\r\n")


def test_history_shows_jobs_newest_first_with_counts_and_progress(client_for, organization, org_admin, make_job):
    done = make_job("Name,Phone Number\nAsha,+919812300001\nBad,x\n", name="first.csv")
    services.run_import(job_id=done.pk, run_id="r")
    running = make_job("Name,Phone Number\n", name="second.csv")
    ImportJob.objects.filter(pk=running.pk).update(total_rows=1000, rows_done=250)

    response = client_for(org_admin).get(url("history", organization))
    content = response.content.decode()
    assert content.index("second.csv") < content.index("first.csv")
    assert "250 of 1,000 rows" in content
    assert 'hx-trigger="every 2s"' in content  # keeps itself up to date while a job runs
    assert url("errors", organization, job_id=done.pk) in content


def test_history_stops_polling_when_nothing_runs(client_for, organization, org_admin, make_job):
    services.run_import(job_id=make_job("Name,Phone Number\nAsha,+919812300001\n").pk, run_id="r")
    content = client_for(org_admin).get(url("history", organization)).content.decode()
    assert "Completed" in content and "every 2s" not in content


def test_an_empty_history_explains_what_to_do(client_for, organization, org_admin):
    assert "No imports yet" in client_for(org_admin).get(url("history", organization)).content.decode()


def test_downloads_of_the_original_and_the_error_log(client_for, organization, org_admin, make_job):
    job = make_job("Name,Phone Number\nBad,x\n", name="people.csv")
    services.run_import(job_id=job.pk, run_id="r")
    client = client_for(org_admin)
    original = client.get(url("original", organization, job_id=job.pk))
    assert original["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert b"".join(original.streaming_content) == b"Name,Phone Number\nBad,x\n"
    log = client.get(url("errors", organization, job_id=job.pk))
    assert log["Content-Disposition"] == 'attachment; filename="people-errors.csv"'
    assert "“x” is not a phone number." in b"".join(log.streaming_content).decode()


@pytest.mark.parametrize("who", ["group_admin", "member"])
def test_only_org_admins_import(request, client_for, organization, make_job, who):
    job = make_job("Name,Phone Number\n")
    client = client_for(request.getfixturevalue(who))
    for name, kwargs in [("upload", {}), ("history", {}), ("template", {}), ("original", {"job_id": job.pk})]:
        assert client.get(url(name, organization, **kwargs)).status_code == 403
    assert upload(client, organization, b"Name,Phone Number\nX,+919812300001\n").status_code == 403
    assert ImportJob.objects.count() == 1


def test_another_organizations_admin_reaches_nothing(
    client_for, organization, other_organization, other_org_admin, make_job
):
    job = make_job("Name,Phone Number\n")
    client = client_for(other_org_admin)
    assert client.get(url("history", organization)).status_code == 404
    assert client.get(url("original", organization, job_id=job.pk)).status_code == 404
    # Through their own organization, the job's id finds nothing either.
    assert client.get(url("original", other_organization, job_id=job.pk)).status_code == 404
    assert client.get(url("errors", other_organization, job_id=job.pk)).status_code == 404


class TestSweeper:
    def test_a_job_whose_worker_went_quiet_is_queued_again(
        self, make_job, settings, django_capture_on_commit_callbacks
    ):
        job = make_job("Name,Phone Number\n")
        ImportJob.objects.filter(pk=job.pk).update(
            claimed_by="dead-run", attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
        )
        with django_capture_on_commit_callbacks() as callbacks:
            assert jobs.sweep(IMPORT_JOBS) == [job.pk]
        assert len(callbacks) == 1
        job.refresh_from_db()
        assert job.claimed_by == "" and job.status == ImportJob.Status.PROCESSING

    def test_a_job_never_picked_up_is_queued_again(self, make_job, django_capture_on_commit_callbacks):
        job = make_job("Name,Phone Number\n")
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
        with django_capture_on_commit_callbacks():
            assert jobs.sweep(IMPORT_JOBS) == [job.pk]

    def test_a_job_that_keeps_dying_ends_failed_with_the_reason(self, make_job, settings, organization):
        job = make_job("Name,Phone Number\n")
        ImportJob.objects.filter(pk=job.pk).update(
            attempts=settings.IMPORT_MAX_ATTEMPTS, rows_done=4000, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert jobs.sweep(IMPORT_JOBS) == []
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert job.failure_reason.startswith("The import stopped 3 times without finishing (its worker was lost)")
        assert "after row 4001" in job.failure_reason

    def test_live_jobs_are_left_alone(self, make_job, django_capture_on_commit_callbacks):
        job = make_job("Name,Phone Number\n")
        ImportJob.objects.filter(pk=job.pk).update(claimed_by="live", attempts=1, heartbeat_at=timezone.now())
        with django_capture_on_commit_callbacks() as callbacks:
            assert jobs.sweep(IMPORT_JOBS) == []
        assert callbacks == []  # nothing queued again
        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.attempts) == (ImportJob.Status.PROCESSING, "live", 1)


class KeepsWhatItReceives(FileUploadHandler):
    """An upload handler after the size limit: whatever it is handed would be stored."""

    received: list[bytes] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        type(self).received.append(b"")

    def receive_data_chunk(self, raw_data, start):
        type(self).received.append(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_an_oversize_upload_is_refused_before_any_of_it_is_stored(organization, org_admin, settings, enforce_csrf):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_HANDLERS = [*settings.FILE_UPLOAD_HANDLERS, f"{__name__}.KeepsWhatItReceives"]
    KeepsWhatItReceives.received = []
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(org_admin)
    page = client.get(url("upload", organization))
    token = str(page.context["csrf_token"])
    content = b"Name,Phone Number\n" + b"Asha,+919812300001\n" * 200_000  # 3.6 MB

    # The token first, as the page's form sends it: the parser stops at the file.
    form = {"csrfmiddlewaretoken": token, "file": SimpleUploadedFile("big.csv", content)}
    response = client.post(url("upload", organization), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The file is 3.6 MB; files up to 1 MB are accepted. Split it into several files." in page
    assert "This field is required" not in page
    assert KeepsWhatItReceives.received == []  # no handler after the limit saw a byte of it
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_the_upload_form_is_still_protected_against_cross_site_requests(organization, org_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    content = b"Name,Phone Number\nAsha,+919812300001\n"
    response = client.post(url("upload", organization), {"file": SimpleUploadedFile("users.csv", content)})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_file_just_over_the_limit_is_stopped_as_it_arrives(client_for, organization, org_admin, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_HANDLERS = [*settings.FILE_UPLOAD_HANDLERS, f"{__name__}.KeepsWhatItReceives"]
    KeepsWhatItReceives.received = []
    # Within the room a request has for its other fields: only counting the file's bytes catches it.
    content = b"Name,Phone Number\n" + b"x" * (1024 * 1024 + 1000)
    response = upload(client_for(org_admin), organization, content)
    assert response.status_code == 200
    assert "files up to 1 MB are accepted. Split it into several files." in response.content.decode()
    # The handlers after the limit had its first megabyte, never the rest; the form never got a file.
    assert sum(map(len, KeepsWhatItReceives.received)) <= settings.IMPORT_MAX_UPLOAD_BYTES
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_columns_that_match_no_attribute_are_named_before_anything_is_imported(
    client_for, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    AttributeDefinitionFactory(organization=organization, name="AUD Text")
    content = b"Name,Phone Number,AUD Txt,Shoe size\nAsha,+919812300001,x,42\n"
    client = client_for(org_admin)

    response = upload(client, organization, content)

    page = response.content.decode()
    assert response.status_code == 200
    assert "some columns match no attribute of Contoso" in page
    assert "“aud txt”: did you mean “AUD Text”?" in page and "“shoe size”</li>" in page
    assert not ImportJob.objects.exists() and stored_files(settings) == []

    # Selected again and confirmed: imported without them, and the history says so.
    with django_capture_on_commit_callbacks():
        confirmed = client.post(
            url("upload", organization),
            {"file": SimpleUploadedFile("users.csv", content), "ignore_unknown_columns": "on"},
        )
    assert confirmed.status_code == 302
    assert ImportJob.objects.get().ignored_columns == ["aud txt", "shoe size"]
    assert "Without the columns aud txt, shoe size" in client.get(url("history", organization)).content.decode()


def test_an_exported_files_read_only_columns_are_not_unknown(client_for, organization, org_admin):
    content = b"Name,Phone Number,Role,Groups,Source,Date added\nAsha,+919812300001,Member,,Added directly,\n"
    response = upload(client_for(org_admin), organization, content)
    assert response.status_code == 302
    assert ImportJob.objects.get().ignored_columns == []


def test_a_file_that_is_not_unicode_shows_how_it_reads_and_imports_in_the_encoding_confirmed(
    client_for, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    content = "Name,Phone Number\n山田太郎,+81 90 1234 5678\n".encode("shift_jis")
    client = client_for(org_admin)

    response = upload(client, organization, content)

    page = response.content.decode()
    assert "The file is not Unicode text; it looks like Japanese (Shift-JIS)." in page
    assert "山田太郎,+81 90 1234 5678" in page
    assert not ImportJob.objects.exists() and stored_files(settings) == []

    with django_capture_on_commit_callbacks():
        confirmed = client.post(
            url("upload", organization), {"file": SimpleUploadedFile("users.csv", content), "encoding": "cp932"}
        )
    assert confirmed.status_code == 302
    job = ImportJob.objects.get()
    assert job.encoding == "cp932"
    assert "Read as Japanese (Shift-JIS)" in client.get(url("history", organization)).content.decode()
    services.run_import(job_id=job.pk, run_id="test")
    assert (
        OrganizationUser.objects.get(organization=organization, user__phone_number="+819012345678").name == "山田太郎"
    )


def test_unicode_files_go_straight_through(client_for, organization, org_admin):
    response = upload(client_for(org_admin), organization, "Name,Phone Number\nZoë,+919812300001\n".encode())
    assert response.status_code == 302
    assert ImportJob.objects.get().encoding == ""


def test_the_upload_page_says_how_to_clear_a_value(client_for, organization, org_admin):
    content = client_for(org_admin).get(url("upload", organization)).content.decode()
    assert "an empty cell leaves their value as it is, and <code>#CLEAR</code> in a cell clears it" in content
    assert "Mandatory attributes cannot be cleared: a row that tries is rejected." in content
