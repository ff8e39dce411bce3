"""Requesting an export, the history and the download, for each role."""

import csv
import io

import pytest
from django.urls import reverse

from exports.models import ExportJob
from users.models import OrganizationUser

from ..factories import OrganizationUserFactory
from .conftest import run


def url(name, organization, **kwargs):
    return reverse(f"exports:{name}", kwargs={"org_slug": organization.slug, **kwargs})


@pytest.fixture
def liams(organization, attributes):
    grade = attributes["grade"]
    for name, value in [("Liam One", 3), ("Liam Two", 9), ("Noah Three", 9)]:
        OrganizationUserFactory(organization=organization, name=name, attribute_values={grade.key: value})
    return grade


class TestRequest:
    def test_without_a_search_everyone_is_exported(self, client_for, organization, org_admin, liams):
        content = client_for(org_admin).get(url("create", organization)).content.decode()
        assert "This exports all 4 users of <strong>Contoso</strong>." in content
        assert 'type="radio"' not in content

    def test_with_a_search_the_admin_chooses_those_users_or_everyone(self, client_for, organization, org_admin, liams):
        response = client_for(org_admin).get(url("create", organization) + f"?q=liam&a{liams.pk}_min=5&sort=-name")
        content = " ".join(response.content.decode().split())
        assert "The one user matching “liam”, filtered by Grade at least “5”" in content
        assert "All 4 users of Contoso" in content

    def test_confirming_queues_the_job_and_lands_on_the_history(
        self, client_for, organization, org_admin, liams, django_capture_on_commit_callbacks
    ):
        query = f"?q=liam&a{liams.pk}_min=5&sort=-name&page=2&per_page=50"
        with django_capture_on_commit_callbacks() as callbacks:
            response = client_for(org_admin).post(url("create", organization) + query, {"users": "matching"})
        assert response.status_code == 302 and response["Location"] == url("history", organization)
        job = ExportJob.objects.get()
        assert (job.requested_by, job.status) == (org_admin, ExportJob.Status.QUEUED)
        assert job.scope == f"q=liam&a{liams.pk}_min=5"  # sorting and paging arrange the list, not the export
        assert job.scope_description == "Users matching “liam”, filtered by Grade at least “5”"
        assert len(callbacks) == 1  # the task is queued once the job row is committed

    def test_choosing_everyone_drops_the_search(self, client_for, organization, org_admin, liams):
        client_for(org_admin).post(url("create", organization) + "?q=liam", {"users": "everyone"})
        assert ExportJob.objects.get().scope == ""

    def test_filter_values_the_list_ignores_are_not_part_of_the_export(
        self, client_for, organization, org_admin, liams
    ):
        client_for(org_admin).post(url("create", organization) + f"?q=+&a{liams.pk}_min=lots", {"users": "matching"})
        assert ExportJob.objects.get().scope == ""

    def test_the_users_list_offers_the_request_with_its_search(self, client_for, organization, org_admin, liams):
        client = client_for(org_admin)
        users = reverse("users:list", kwargs={"org_slug": organization.slug})
        content = client.get(users + "?q=liam").content.decode()
        assert "Export Users" in content
        assert f'href="{url("create", organization)}?q=liam"' in content
        assert url("history", organization) in content
        # A search made in place (htmx) moves the link along with the address.
        partial = client.get(users + "?q=noah", HTTP_HX_REQUEST="true").content.decode()
        assert 'id="export-request-link" hx-swap-oob="true"' in partial
        assert f'href="{url("create", organization)}?q=noah"' in partial


class TestHistory:
    def test_jobs_newest_first_with_progress_scope_and_download(
        self, client_for, organization, org_admin, request_export
    ):
        done = run(request_export())
        running = request_export(scope="q=liam")
        ExportJob.objects.filter(pk=running.pk).update(total_rows=1000, rows_done=250, attempts=1)

        content = client_for(org_admin).get(url("history", organization)).content.decode()
        assert content.index(f'id="export-{running.pk}"') < content.index(f'id="export-{done.pk}"')
        assert "250 of 1,000 users" in content and "Users matching “liam”" in content
        assert 'hx-trigger="every 2s"' in content  # keeps itself up to date while a job runs
        assert url("download", organization, job_id=done.pk) in content
        assert url("download", organization, job_id=running.pk) not in content
        assert "Refresh" in content

    def test_a_job_waiting_for_a_worker_says_so(self, client_for, organization, org_admin, request_export):
        request_export()
        content = client_for(org_admin).get(url("history", organization)).content.decode()
        assert "Queued" in content and "Waiting to start…" in content

    def test_a_failed_job_shows_why(self, client_for, organization, org_admin, request_export):
        job = request_export()
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, failure_reason="The disk is full.")
        content = client_for(org_admin).get(url("history", organization)).content.decode()
        assert "Failed" in content and "The disk is full." in content and "every 2s" not in content

    def test_htmx_polling_gets_only_the_table(self, client_for, organization, org_admin, request_export):
        request_export()
        response = client_for(org_admin).get(url("history", organization), HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert content.lstrip().startswith('<div id="export-history"') and "<html" not in content

    def test_the_history_is_paginated(self, client_for, organization, org_admin, request_export):
        for _ in range(21):
            request_export()
        content = client_for(org_admin).get(url("history", organization)).content.decode()
        assert content.count('<tr id="export-') == 20 and "Page 1 of 2" in content

    def test_an_empty_history_explains_what_to_do(self, client_for, organization, org_admin):
        content = client_for(org_admin).get(url("history", organization)).content.decode()
        assert "No exports yet" in content and url("create", organization) in content


class TestDownload:
    def test_a_completed_file_downloads_as_an_attachment(self, client_for, organization, org_admin, request_export):
        job = run(request_export())
        response = client_for(org_admin).get(url("download", organization, job_id=job.pk))
        assert response["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert body.startswith("Name,Phone Number,Role,Groups,Source,Date added (UTC)\r\n")

    def test_any_admin_of_the_organization_may_download_it(self, client_for, organization, request_export):
        job = run(request_export())
        other_admin = OrganizationUserFactory(organization=organization, role="org_admin").user
        assert client_for(other_admin).get(url("download", organization, job_id=job.pk)).status_code == 200

    def test_a_file_not_ready_yet_is_not_found(self, client_for, organization, org_admin, request_export):
        job = request_export()
        assert client_for(org_admin).get(url("download", organization, job_id=job.pk)).status_code == 404


class TestErrorLog:
    @pytest.fixture
    def failed(self, organization, org_admin, request_export):
        """An export that fails for real: its requester is no longer an admin when a worker runs it."""
        job = request_export()
        OrganizationUser.objects.filter(organization=organization, user=org_admin).update(role="member")
        job = run(job)
        OrganizationUser.objects.filter(organization=organization, user=org_admin).update(role="org_admin")
        assert job.status == ExportJob.Status.FAILED
        return job

    def test_a_failed_export_offers_its_error_log_which_says_why(self, client_for, organization, org_admin, failed):
        client = client_for(org_admin)
        content = client.get(url("history", organization)).content.decode()
        link = f'<a href="{url("errors", organization, job_id=failed.pk)}">Download the error log file</a>'
        assert link in content
        response = client.get(url("errors", organization, job_id=failed.pk))
        stem = failed.file_name.removesuffix(".csv")
        assert response["Content-Disposition"] == f'attachment; filename="{stem}-errors.csv"'
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert rows[0] == [
            "Export",
            "Users",
            "Requested",
            "Failed",
            "Users written before it stopped",
            "Reason",
            "Detail",
        ]
        assert rows[1][0] == failed.file_name and rows[1][1] == "All users"
        # The reason starts with the requester's number: guarded, as every cell that starts like a formula.
        assert rows[1][5] == f"'{org_admin} may no longer export the users of Contoso."

    def test_the_log_is_kept_privately_under_the_jobs_unguessable_name(self, organization, failed, settings):
        assert (
            failed.error_log.name == f"exports/{organization.pk}/{failed.finished_at:%Y/%m}/{failed.token}-errors.csv"
        )
        assert (settings.PRIVATE_STORAGE_ROOT / failed.error_log.name).is_file()

    def test_a_completed_export_has_no_error_log(self, client_for, organization, org_admin, request_export):
        job = run(request_export())
        client = client_for(org_admin)
        assert "Download the error log file" not in client.get(url("history", organization)).content.decode()
        response = client.get(url("errors", organization, job_id=job.pk), follow=True)
        assert f"“{job.file_name}” has no error log to download." in response.content.decode()

    @pytest.mark.parametrize("who", ["group_admin", "member", "other_org_admin"])
    def test_only_those_who_may_see_the_export_get_its_log(self, request, client_for, organization, failed, who):
        response = client_for(request.getfixturevalue(who)).get(url("errors", organization, job_id=failed.pk))
        assert response.status_code == (404 if who == "other_org_admin" else 403)


@pytest.mark.parametrize("who", ["group_admin", "member"])
def test_only_org_admins_export(request, client_for, organization, request_export, who):
    job = run(request_export())
    client = client_for(request.getfixturevalue(who))
    for name, kwargs in [("create", {}), ("history", {}), ("download", {"job_id": job.pk})]:
        assert client.get(url(name, organization, **kwargs)).status_code == 403
    assert client.post(url("create", organization)).status_code == 403
    assert ExportJob.objects.count() == 1
    content = client.get(reverse("users:list", kwargs={"org_slug": organization.slug})).content.decode()
    assert "Export Users" not in content


def test_another_organizations_admin_reaches_nothing(
    client_for, organization, other_organization, other_org_admin, request_export
):
    job = run(request_export())
    client = client_for(other_org_admin)
    assert client.get(url("history", organization)).status_code == 404
    assert client.get(url("download", organization, job_id=job.pk)).status_code == 404
    # Through their own organization, the job's id finds nothing either.
    assert client.get(url("download", other_organization, job_id=job.pk)).status_code == 404
    assert "No exports yet" in client.get(url("history", other_organization)).content.decode()


def test_a_superuser_may_export_any_organization(client_for, organization, superuser, org_admin):
    response = client_for(superuser).post(url("create", organization))
    assert response.status_code == 302
    job = run(ExportJob.objects.get())
    assert (job.requested_by, job.status, job.total_rows) == (superuser, ExportJob.Status.COMPLETED, 1)
