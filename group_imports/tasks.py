"""Thin tasks: they receive a job id and call the service (the job framework queues and sweeps them)."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_group_file(self, job_id: int) -> None:
    # The task id is the run's identity: a redelivered message may take the job straight back.
    services.run_job(job_id=job_id, run_id=self.request.id)
