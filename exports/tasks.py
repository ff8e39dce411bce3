"""Thin tasks: they receive a job id and call the service."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from kaizala_portal import jobs

from . import services
from .models import ExportJob

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def export_users(self, job_id: int) -> None:
    # The task id is the run's identity: a message redelivered after its worker died
    # carries the same id, so it may take the job straight back.
    services.run_export(job_id=job_id, run_id=self.request.id)


@shared_task
def sweep_stale_exports() -> None:
    services.sweep_stale_exports()


def enqueue_export(job_id: int) -> bool:
    """Send the job to the workers; False when the broker does not answer and the job waits."""
    try:
        export_users.delay(job_id)
    except OperationalError:
        # The broker is down: the job is kept, not queued (its queued_at stays empty);
        # the history says it waits, and the sweeper or "Retry now" queues it once Redis answers.
        logger.exception("Could not queue export job %s; the sweeper will retry.", job_id)
        return False
    jobs.mark_queued(ExportJob.objects, job_id)
    return True
