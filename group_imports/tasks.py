"""Thin tasks: they receive a job id and call the service."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from kaizala_portal import jobs

from . import services
from .models import GroupImportJob

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_group_file(self, job_id: int) -> None:
    # The task id is the run's identity: a redelivered message may take the job straight back.
    services.run_job(job_id=job_id, run_id=self.request.id)


@shared_task
def sweep_stale_group_imports() -> None:
    services.sweep_stale_jobs()


def enqueue_group_import(job_id: int) -> bool:
    """Send the job to the workers; False when the broker does not answer and the job waits."""
    try:
        import_group_file.delay(job_id)
    except OperationalError:
        # The job and its file are kept, not queued: the sweeper or "Retry now" queues it once Redis answers.
        logger.exception("Could not queue group upload %s; the sweeper will retry.", job_id)
        return False
    jobs.mark_queued(GroupImportJob.objects, job_id)
    return True
