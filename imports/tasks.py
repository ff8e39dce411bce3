"""Thin tasks: they receive a job id and call the service."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from kaizala_portal import jobs

from . import services
from .models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_users(self, job_id: int) -> None:
    # The task id is the run's identity: a message redelivered after its worker died
    # carries the same id, so it may take the job straight back.
    services.run_import(job_id=job_id, run_id=self.request.id)


@shared_task
def sweep_stale_imports() -> None:
    services.sweep_stale_jobs()


def enqueue_import(job_id: int) -> bool:
    """Send the job to the workers; False when the broker does not answer and the job waits."""
    try:
        import_users.delay(job_id)
    except OperationalError:
        # The broker is down: the job and its file are kept, not queued (its queued_at
        # stays empty); the history says it waits, and the sweeper or the "Retry now"
        # button queues it once Redis answers. Nothing of the upload is lost.
        logger.exception("Could not queue import job %s; the sweeper will retry.", job_id)
        return False
    jobs.mark_queued(ImportJob.objects, job_id)
    return True
