"""Redis down when an admin uploads, and two workers racing for one job: no upload lost, none run twice."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import services
from imports.models import IMPORT_JOBS, ImportJob
from imports.tasks import import_users
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..celery_support import broker_down, messages_in_redis, progress, running_worker, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROWS = 3000
CONTENT = ("Name,Phone Number\n" + "".join(f"Person {n},+91 96{n:08d}\n" for n in range(ROWS))).encode()


def url(name, organization, **kwargs):
    return reverse(f"imports:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def assert_imported_once(job, organization):
    job = progress(job)
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    assert (job.rows_done, job.created_count, job.updated_count, job.rejected_count) == (ROWS, ROWS, 0, 0)
    imported = OrganizationUser.objects.filter(organization=organization, user__phone_number__startswith="+9196")
    assert imported.count() == imported.values("user_id").distinct().count() == ROWS
    # One run claimed the job and did all of it: a second claim would count a second attempt.
    assert job.attempts == 1


def test_an_upload_while_redis_is_down_is_kept_shown_as_waiting_and_imported_once_redis_is_back(
    redis_url, client_for, organization, org_admin
):
    client = client_for(org_admin)
    with broker_down():
        response = client.post(
            url("upload", organization), {"file": SimpleUploadedFile("team.csv", CONTENT)}, follow=True
        )
        assert response.redirect_chain == [(url("history", organization), 302)]
        assert (
            "“team.csv” was uploaded and is kept. "
            "The job queue does not answer just now: the import starts by itself once it is back."
        ) in response.content.decode()

        job = ImportJob.objects.get()
        assert job.is_waiting_for_queue and job.queued_at is None
        assert job.file.read() == CONTENT
        history = client.get(url("history", organization)).content.decode()
        assert "Waiting for the job queue, which did not answer." in history
        assert "The import starts by itself once the queue is back." in history
        assert url("retry_queue", organization, job_id=job.pk) in history and "Retry now" in history

        # Retrying while Redis is still down says so, and keeps the job.
        retried = client.post(url("retry_queue", organization, job_id=job.pk), follow=True).content.decode()
        assert "The job queue still does not answer. Your file is kept" in retried
        assert progress(job).is_waiting_for_queue

    with running_worker():
        retried = client.post(url("retry_queue", organization, job_id=job.pk), follow=True).content.decode()
        assert "“team.csv” is queued; its import starts shortly." in retried
        wait_for(lambda: not progress(job).is_processing, what="the import to finish")
    assert_imported_once(job, organization)
    assert progress(job).queued_at is not None


def test_the_sweeper_queues_a_job_redis_could_not_take_once_it_answers(
    redis_url, client_for, organization, org_admin, settings
):
    with broker_down():
        client_for(org_admin).post(url("upload", organization), {"file": SimpleUploadedFile("team.csv", CONTENT)})
        job = ImportJob.objects.get()
        settings.JOB_QUEUE_RETRY_SECONDS = 0
        # The sweeper itself cannot reach Redis either: the job stays, waiting.
        assert jobs.sweep(IMPORT_JOBS) == [job.pk]
        assert progress(job).is_waiting_for_queue

    with running_worker():
        assert jobs.sweep(IMPORT_JOBS) == [job.pk]
        wait_for(lambda: not progress(job).is_processing, what="the import to finish")
    assert_imported_once(job, organization)


def test_two_workers_sent_the_same_job_run_it_once(redis_url, organization, org_admin):
    job = ImportJob(organization=organization, uploaded_by=org_admin, file_name="team.csv", token="race")
    job.file.save("team.csv", ContentFile(CONTENT), save=False)
    job.save()
    slow = {"IMPORT_BATCH_SIZE": "50"}
    with running_worker(extra_env=slow) as first, running_worker(extra_env=slow) as second:
        _, left_by_earlier_tests = messages_in_redis()
        # The same task twice, as a redelivery or a sweeper racing the upload would send it.
        import_users.delay(job.pk)
        import_users.delay(job.pk)
        wait_for(lambda: not progress(job).is_processing, what="the import to finish")
        # Both messages were taken and acknowledged: the second run found the job taken and stopped.
        wait_for(lambda: messages_in_redis() == (0, left_by_earlier_tests), what="both messages to be acknowledged")
        assert first.process.poll() is None and second.process.poll() is None
    assert_imported_once(job, organization)


def test_a_job_a_worker_runs_counts_as_queued_even_before_its_sender_recorded_it(make_job):
    """The task reached a worker, so the broker took it: the history never shows it waiting afterwards."""
    job = make_job("Name,Phone Number\nAsha,+919812300001\n", queued=False)
    assert job.is_waiting_for_queue
    services.run_import(job_id=job.pk, run_id="delivered-before-recorded")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED and job.queued_at is not None
