"""Imports through a real Celery worker on real Redis, including workers killed mid-job."""

import os
import signal
import subprocess
import time

import pytest
from django.core.files.base import ContentFile

from imports.models import IMPORT_JOBS, ImportJob
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..celery_support import progress, running_worker, stop_worker, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROWS = 6000


def big_file(rows: int = ROWS) -> bytes:
    lines = ["Name,Phone Number"] + [f"Person {n},+91 97{n:08d}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def job(organization, org_admin):
    job = ImportJob(
        organization=organization, uploaded_by=org_admin, file_name="big.csv", file_format="csv", token="big"
    )
    job.file.save("big.csv", ContentFile(big_file()), save=False)
    job.save()
    return job


def assert_imported_exactly_once(job, organization):
    job = progress(job)
    assert job.status == ImportJob.Status.COMPLETED, job.failure_reason
    assert (job.rows_done, job.total_rows, job.created_count, job.rejected_count) == (ROWS, ROWS, ROWS, 0)
    imported = OrganizationUser.objects.filter(organization=organization, user__phone_number__startswith="+9197")
    assert imported.count() == ROWS
    assert imported.values("user__phone_number").distinct().count() == ROWS


SLOW_BATCHES = {"IMPORT_BATCH_SIZE": "100"}


def test_a_worker_imports_an_uploaded_file(redis_url, organization, job):
    with running_worker():
        jobs.enqueue(IMPORT_JOBS, job.pk)
        wait_for(lambda: not progress(job).is_processing, what="the import to finish")
    assert_imported_exactly_once(job, organization)


@pytest.mark.parametrize("prepared_in_parallel", [False, True], ids=["prepared-in-line", "prepared-in-parallel"])
def test_a_pool_process_killed_mid_import_is_replaced_and_the_job_resumes(
    redis_url, organization, job, prepared_in_parallel
):
    parallel_from = "0" if prepared_in_parallel else str(ROWS + 1)
    with running_worker(extra_env={**SLOW_BATCHES, "IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS": parallel_from}) as worker:
        jobs.enqueue(IMPORT_JOBS, job.pk)
        wait_for(lambda: progress(job).rows_done >= 1000, what="the first batches")
        assert len(preparers_of(worker)) == (1 if prepared_in_parallel else 0)
        (child,) = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        done_when_killed = progress(job).rows_done
        assert done_when_killed < ROWS, "the import finished before the kill: make the file bigger"
        # acks_late + reject_on_worker_lost: the message goes back to the queue and a new pool process resumes.
        wait_for(lambda: not progress(job).is_processing, what="the resumed import to finish")
        # The killed process's helper read the end of its input and went too.
        wait_for(lambda: not preparers_of(worker), what="the lost helper to exit")
    assert_imported_exactly_once(job, organization)
    assert progress(job).attempts == 2


def preparers_of(worker) -> list[str]:
    """Row-preparing processes left in the worker's session (a killed parent's child is re-parented there)."""
    found = subprocess.run(
        ["pgrep", "-s", str(worker.process.pid), "-f", "imports.preparing"], capture_output=True, text=True
    )
    return found.stdout.split()


def test_a_whole_worker_killed_mid_import_is_noticed_by_the_sweeper_and_the_job_resumes(
    redis_url, organization, job, settings
):
    settings.IMPORT_STALE_AFTER_SECONDS = 2
    quick_takeover = {**SLOW_BATCHES, "IMPORT_STALE_AFTER_SECONDS": "2"}
    with running_worker(extra_env=quick_takeover) as worker:
        jobs.enqueue(IMPORT_JOBS, job.pk)
        wait_for(lambda: progress(job).rows_done >= 1000, what="the first batches")
        stop_worker(worker.process, signal.SIGKILL)
    stalled_at = progress(job).rows_done
    assert job.is_processing and stalled_at < ROWS

    # Its message stays unacknowledged in Redis for the visibility timeout (hours);
    # the heartbeat goes stale within seconds, and the sweeper queues the job again.
    time.sleep(2.5)
    assert jobs.sweep(IMPORT_JOBS) == [job.pk]
    with running_worker(extra_env=quick_takeover):
        wait_for(lambda: not progress(job).is_processing, what="the resumed import to finish")
    assert_imported_exactly_once(job, organization)
    assert progress(job).attempts == 2
