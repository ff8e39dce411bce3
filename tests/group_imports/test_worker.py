"""Group uploads through a real Celery worker on real Redis, including a worker killed mid-job."""

import os
import signal
import subprocess

import pytest
from django.core.files.base import ContentFile

from group_imports.models import GROUP_IMPORT_JOBS, GroupImportJob
from groups.models import Group, GroupMembership
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..celery_support import progress, running_worker, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROWS = 6000


@pytest.fixture
def job(organization, org_admin):
    lines = ["Group,Phone Number,User Type"] + [
        f"Region {n % 10} / Team {n % 30},+91 97{n:08d},{'admin' if n % 50 == 0 else 'member'}" for n in range(ROWS)
    ]
    job = GroupImportJob(
        organization=organization,
        uploaded_by=org_admin,
        kind=GroupImportJob.Kind.USER_MAPPING,
        file_name="big.csv",
        token="big-groups",
    )
    job.file.save("big.csv", ContentFile(("\n".join(lines) + "\n").encode()), save=False)
    job.save()
    return job


def assert_applied_exactly_once(job, organization):
    job = progress(job)
    assert job.status == GroupImportJob.Status.COMPLETED, job.failure_reason
    assert (job.rows_done, job.total_rows, job.added_count, job.rejected_count) == (ROWS, ROWS, ROWS, 0)
    # Ten regions, each with the three teams its rows name (n % 10 and n % 30 agree on n % 10).
    assert (job.groups_created_count, Group.objects.filter(organization=organization).count()) == (40, 40)
    assert GroupMembership.objects.filter(group__organization=organization).count() == ROWS
    joined = OrganizationUser.objects.filter(organization=organization, user__phone_number__startswith="+9197")
    assert joined.count() == ROWS and not joined.filter(added_directly=True).exists()


def test_a_worker_applies_an_uploaded_file(redis_url, organization, job):
    with running_worker():
        jobs.enqueue(GROUP_IMPORT_JOBS, job.pk)
        wait_for(lambda: not progress(job).is_processing, what="the upload to finish")
    assert_applied_exactly_once(job, organization)


def test_a_pool_process_killed_mid_upload_is_replaced_and_the_job_resumes(redis_url, organization, job):
    with running_worker(extra_env={"GROUP_IMPORT_BATCH_SIZE": "100"}) as worker:
        jobs.enqueue(GROUP_IMPORT_JOBS, job.pk)
        wait_for(lambda: progress(job).rows_done >= 1000, what="the first batches")
        (child,) = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        assert progress(job).rows_done < ROWS, "the upload finished before the kill: make the file bigger"
        wait_for(lambda: not progress(job).is_processing, what="the resumed upload to finish")
    assert_applied_exactly_once(job, organization)
    assert progress(job).attempts == 2
