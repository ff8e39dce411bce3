"""Thin tasks: they receive a job id and call the service."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_users(self, job_id: int) -> None:
    # The task id is the run's identity: a message redelivered after its worker died
    # carries the same id, so it may take the job straight back.
    services.run_import(job_id=job_id, run_id=self.request.id)


@shared_task
def sweep_stale_imports() -> None:
    services.sweep_stale_jobs()


def enqueue_import(job_id: int) -> None:
    try:
        import_users.delay(job_id)
    except OperationalError:
        # The broker is down: the job stays Processing with no heartbeat, and the
        # sweeper queues it again once Redis answers. Nothing of the upload is lost.
        logger.exception("Could not queue import job %s; the sweeper will retry.", job_id)
