"""Large bulk actions through a real Celery worker on real Redis, including a worker killed mid-job."""

import os
import signal
import subprocess

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from bulk_actions import services
from bulk_actions.models import BULK_JOBS, BulkJob
from groups.models import GroupMembership
from kaizala_portal import jobs
from users.models import OrganizationUser, User

from ..celery_support import broker_down, progress, running_worker, wait_for
from .conftest import all_matching, viewer

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

CROWD = 400


@pytest.fixture
def crowd(organization):
    users = User.objects.bulk_create(User(phone_number=f"+9196{n:08d}", password="!") for n in range(CROWD))
    OrganizationUser.objects.bulk_create(
        OrganizationUser(organization=organization, user=user, name=f"Crowd {n}") for n, user in enumerate(users)
    )
    return users


def start(settings, organization, org_admin, kind, **group) -> BulkJob:
    """What confirming on the page does: over the threshold, so the job is queued once its row commits."""
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 10
    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization), kind=kind, selection=all_matching(organization, q="Crowd"), **group
    )
    job.refresh_from_db(fields=["queued_at"])  # set once the broker took its task, on commit
    assert job.queued_at is not None, "the task did not reach the broker"
    return job


def test_a_worker_deletes_everyone_matching_a_search(redis_url, settings, organization, org_admin, member, crowd):
    with running_worker():
        job = start(settings, organization, org_admin, BulkJob.Kind.DELETE)
        wait_for(lambda: not progress(job).is_processing, what="the bulk delete to finish")

    job = progress(job)
    assert job.status == BulkJob.Status.COMPLETED, job.failure_reason
    assert (job.done_count, job.rows_done, job.total_rows, job.refused_count) == (CROWD, CROWD, CROWD, 0)
    assert not OrganizationUser.objects.filter(organization=organization, name__startswith="Crowd").exists()
    assert OrganizationUser.objects.filter(organization=organization, user=member).exists()


def test_a_pool_process_killed_mid_job_is_replaced_and_the_job_resumes_without_doing_anyone_twice(
    redis_url, settings, organization, org_admin, admin_group, crowd
):
    with running_worker(extra_env={"BULK_ACTIONS_CHUNK_SIZE": "2"}) as worker:
        job = start(settings, organization, org_admin, BulkJob.Kind.ADD_TO_GROUP, group=admin_group)
        wait_for(lambda: progress(job).rows_done >= 50, what="the first chunks")
        (child,) = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        killed = progress(job)
        assert killed.is_processing and killed.rows_done < CROWD, "the job finished before the kill: add people"
        # acks_late + reject_on_worker_lost: the message goes back to the queue and a new pool process takes it.
        wait_for(lambda: not progress(job).is_processing, what="the job to be resumed and finished")

    job = progress(job)
    assert job.status == BulkJob.Status.COMPLETED, job.failure_reason
    assert (job.done_count, job.skipped_count, job.rows_done, job.total_rows) == (CROWD, 0, CROWD, CROWD)
    assert job.attempts == 2
    added = GroupMembership.objects.filter(group=admin_group, user__in=crowd)
    assert added.count() == CROWD
    # One audit event per chunk, each naming its people: nobody is named twice.
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.GROUP_MEMBER_ADDED, group=admin_group)
    named = [user_id for details in events.values_list("details", flat=True) for user_id in details["user_ids"]]
    assert sorted(named) == sorted(user.pk for user in crowd)


def test_a_bulk_action_confirmed_while_redis_is_down_waits_and_runs_once_the_sweeper_sends_it(
    redis_url, settings, client_for, organization, org_admin, crowd
):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 10
    client = client_for(org_admin)
    delete_url = reverse("bulk_actions:delete", kwargs={"org_slug": organization.slug})
    history_url = reverse("bulk_actions:history", kwargs={"org_slug": organization.slug})
    with broker_down():
        response = client.post(delete_url, {"q": "Crowd", "all": "1"}, follow=True)
        assert "is kept. The job queue does not answer just now" in response.content.decode()
        job = BulkJob.objects.get()
        assert job.is_waiting_for_queue
        history = client.get(history_url).content.decode()
        assert "Waiting for the job queue, which did not answer." in history
        retry_url = reverse("bulk_actions:retry_queue", kwargs={"org_slug": organization.slug, "job_id": job.pk})
        retried = client.post(retry_url, follow=True).content.decode()
        assert "The job queue still does not answer. Your bulk action is kept" in retried
    assert OrganizationUser.objects.filter(organization=organization, name__startswith="Crowd").count() == CROWD

    settings.JOB_QUEUE_RETRY_SECONDS = 0
    with running_worker():
        assert jobs.sweep(BULK_JOBS) == [job.pk]
        wait_for(lambda: not progress(job).is_processing, what="the bulk delete to finish")
    assert (progress(job).status, progress(job).done_count) == (BulkJob.Status.COMPLETED, CROWD)
