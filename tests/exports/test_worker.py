"""Exports through a real Celery worker on real Redis, including workers killed mid-export."""

import os
import secrets
import signal
import subprocess
import time

import pytest

from exports import services
from exports.models import EXPORT_JOBS, ExportJob
from kaizala_portal import jobs
from users.models import OrganizationUser, User

from ..celery_support import progress, running_worker, stop_worker, wait_for
from .conftest import rows_of, stored_files

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROWS = 20000
# Small chunks, each followed by a saved heartbeat: slow enough to be killed halfway.
SLOW_CHUNKS = {"EXPORT_CHUNK_SIZE": "10", "EXPORT_PROGRESS_SECONDS": "0"}


@pytest.fixture
def crowd(organization, org_admin):
    users = User.objects.bulk_create(User(phone_number=f"+9197{n:08d}", password="!") for n in range(ROWS))
    OrganizationUser.objects.bulk_create(
        OrganizationUser(organization=organization, user=user, name=f"Person {n}") for n, user in enumerate(users)
    )
    return {org_admin.phone_number} | {user.phone_number for user in users}


@pytest.fixture
def job(organization, org_admin, crowd):
    # Made directly rather than through create_export_job, so that it is queued only when the test says.
    return ExportJob.objects.create(
        organization=organization, requested_by=org_admin, file_name="everyone.csv", token=secrets.token_hex(16)
    )


def partial_files() -> list[str]:
    work = services.work_dir()
    return sorted(p.name for p in work.iterdir()) if work.exists() else []


def assert_one_whole_file(job, crowd, settings):
    job = progress(job)
    assert job.status == ExportJob.Status.COMPLETED, job.failure_reason
    assert (job.rows_done, job.total_rows) == (len(crowd), len(crowd))
    rows = rows_of(job)
    assert len(rows) == len(crowd) + 1
    assert {row[1].lstrip("'") for row in rows[1:]} == crowd
    # The half-written file of the lost run is gone; only the whole one is kept.
    assert stored_files(settings) == [job.file.name]


def test_a_worker_exports_a_requested_job(redis_url, job, crowd, settings):
    with running_worker():
        jobs.enqueue(EXPORT_JOBS, job.pk)
        wait_for(lambda: not progress(job).is_queued, what="the export to finish")
    assert_one_whole_file(job, crowd, settings)
    assert progress(job).attempts == 1


def test_a_pool_process_killed_mid_export_is_replaced_and_the_job_starts_again(redis_url, job, crowd, settings):
    with running_worker(extra_env=SLOW_CHUNKS) as worker:
        jobs.enqueue(EXPORT_JOBS, job.pk)
        wait_for(lambda: progress(job).rows_done >= 1000, what="the first chunks")
        (child,) = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        killed = progress(job)
        assert killed.is_queued and killed.rows_done < ROWS, "the export finished before the kill: add rows"
        assert not killed.file
        # acks_late + reject_on_worker_lost: the message goes back to the queue and a new pool process takes it.
        wait_for(lambda: not progress(job).is_queued, what="the export to be done again")
    assert_one_whole_file(job, crowd, settings)
    assert progress(job).attempts == 2
    assert partial_files() == []


def test_a_whole_worker_killed_mid_export_is_noticed_by_the_sweeper_and_the_job_done_again(
    redis_url, job, crowd, settings
):
    settings.EXPORT_STALE_AFTER_SECONDS = 2
    quick_takeover = {**SLOW_CHUNKS, "EXPORT_STALE_AFTER_SECONDS": "2"}
    with running_worker(extra_env=quick_takeover) as worker:
        jobs.enqueue(EXPORT_JOBS, job.pk)
        wait_for(lambda: progress(job).rows_done >= 1000, what="the first chunks")
        stop_worker(worker.process, signal.SIGKILL)
    stalled = progress(job)
    assert stalled.is_queued and stalled.rows_done < ROWS and not stalled.file
    assert partial_files() == [f"{job.token}-1.csv"]  # half a file, which no one will ever download

    # Its message stays unacknowledged in Redis for the visibility timeout (hours);
    # the heartbeat goes stale within seconds, and the sweeper queues the job again.
    time.sleep(2.5)
    assert jobs.sweep(EXPORT_JOBS) == [job.pk]
    with running_worker(extra_env=quick_takeover):
        wait_for(lambda: not progress(job).is_queued, what="the export to be done again")
    assert_one_whole_file(job, crowd, settings)
    assert progress(job).attempts == 2
    assert partial_files() == []
