"""Thin tasks: they receive a job id and call the service."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from kaizala_portal import jobs

from . import services
from .models import BulkJob

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_bulk_job(self, job_id: int) -> None:
    # The task id is the run's identity: a message redelivered after its worker died
    # carries the same id, so it may take the job straight back.
    services.run_bulk_job(job_id=job_id, run_id=self.request.id)


@shared_task
def sweep_stale_bulk_jobs() -> None:
    services.sweep_stale_bulk_jobs()


def enqueue_bulk_job(job_id: int) -> bool:
    """Send the job to the workers; False when the broker does not answer and the job waits."""
    try:
        run_bulk_job.delay(job_id)
    except OperationalError:
        # The job is kept, not queued (queued_at stays empty): the sweeper or "Retry now" sends it again.
        logger.exception("Could not queue bulk job %s; the sweeper will retry.", job_id)
        return False
    jobs.mark_queued(BulkJob.objects, job_id)
    return True
