"""Redis down when an admin asks for an export: the request is kept, shown as waiting, and run once Redis is back."""

import pytest
from django.urls import reverse

from exports.models import EXPORT_JOBS, ExportJob
from kaizala_portal import jobs

from ..celery_support import broker_down, progress, running_worker, wait_for
from ..factories import OrganizationUserFactory
from .conftest import rows_of

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def url(name, organization, **kwargs):
    return reverse(f"exports:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def test_an_export_asked_for_while_redis_is_down_waits_and_runs_once_redis_is_back(
    redis_url, client_for, organization, org_admin, settings
):
    OrganizationUserFactory.create_batch(5, organization=organization)
    client = client_for(org_admin)
    with broker_down():
        response = client.post(url("create", organization), {"users": "everyone"}, follow=True)
        assert "The job queue does not answer just now: the export starts by itself once it is back." in (
            response.content.decode()
        )
        job = ExportJob.objects.get()
        assert job.is_waiting_for_queue
        history = client.get(url("history", organization)).content.decode()
        assert "Waiting for the job queue, which did not answer." in history
        assert url("retry_queue", organization, job_id=job.pk) in history
        retried = client.post(url("retry_queue", organization, job_id=job.pk), follow=True).content.decode()
        assert "The job queue still does not answer. Your request is kept" in retried

    settings.JOB_QUEUE_RETRY_SECONDS = 0
    with running_worker():
        assert jobs.sweep(EXPORT_JOBS) == [job.pk]
        wait_for(lambda: not progress(job).is_queued, what="the export to finish")
    job = progress(job)
    assert job.status == ExportJob.Status.COMPLETED, job.failure_reason
    assert (job.total_rows, job.attempts) == (6, 1)
    assert len(rows_of(job)) == 7  # the header and the admin and five people
