"""One run at a time owns a job and keeps a heartbeat.

A Celery message can be delivered twice (a worker lost before it acknowledged, or a
sweeper that queued the job again), so a run first claims the job, checks the claim in
every transaction it writes, and stops when another run has taken over. A heartbeat
older than the job's stale limit means its run is gone and the job may be claimed again.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone


class BackgroundJob(models.Model):
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Progress, saved as the run goes.
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)

    # When the job's task last reached the broker; empty while the broker could not take it
    # (Redis down at upload): such a job is shown as waiting and queued again soon.
    queued_at = models.DateTimeField(null=True, blank=True)

    # Which run owns the job, and when it last showed signs of life.
    claimed_by = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    # The status of a job that is still to run or running (Processing, Queued): set by each kind of job.
    ACTIVE_STATUS: str

    class Meta:
        abstract = True

    @property
    def is_waiting_for_queue(self) -> bool:
        """Kept, but its task has not reached the broker (Redis did not answer)."""
        return self.status == self.ACTIVE_STATUS and self.queued_at is None and not self.claimed_by


class LostClaim(Exception):
    """Another run has taken the job over; this one stops without writing."""


def claim(jobs: QuerySet, job_id: int, run_id: str, *, active_status: str, stale_after_seconds: int, **reset):
    """Take the job for this run, unless it is finished or another live run holds it.

    ``reset`` gives fields to set on claiming (an export starts its file again).
    """
    stale_before = timezone.now() - timedelta(seconds=stale_after_seconds)
    with transaction.atomic():
        job = jobs.select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None or job.status != active_status:
            return None
        held_by_other = job.claimed_by and job.claimed_by != run_id
        if held_by_other and job.heartbeat_at and job.heartbeat_at > stale_before:
            return None
        job.claimed_by, job.heartbeat_at, job.attempts = run_id, timezone.now(), job.attempts + 1
        if job.queued_at is None:
            # A worker has its task, so the broker took it, even if whoever sent it has not
            # recorded that yet (or the task reached the broker by another way).
            reset = {**reset, "queued_at": job.heartbeat_at}
        for name, value in reset.items():
            setattr(job, name, value)
        job.save(update_fields=["claimed_by", "heartbeat_at", "attempts", *reset])
    return job


def hold_claim(job: BackgroundJob, run_id: str) -> None:
    """Inside a transaction: lock the job, and stop unless this run still owns it."""
    if not type(job).objects.select_for_update().filter(pk=job.pk, claimed_by=run_id).exists():
        raise LostClaim()


def mark_queued(jobs: QuerySet, job_id: int) -> None:
    """Record that the job's task reached the broker."""
    jobs.filter(pk=job_id).update(queued_at=timezone.now())


def never_queued(*, waited_seconds: int) -> Q:
    """Jobs whose task has not reached the broker for that long, and that no run holds."""
    created_before = timezone.now() - timedelta(seconds=waited_seconds)
    return Q(queued_at__isnull=True, claimed_by="", created_at__lt=created_before)


def stalled(jobs: QuerySet, *, stale_after_seconds: int) -> QuerySet:
    """Inside a transaction: the active jobs nobody has worked on for a while, or whose task
    never reached the broker, locked (and skipped when another sweeper holds them)."""
    stale_before = timezone.now() - timedelta(seconds=stale_after_seconds)
    return jobs.select_for_update(skip_locked=True).filter(
        Q(heartbeat_at__lt=stale_before)
        | Q(heartbeat_at__isnull=True, created_at__lt=stale_before)
        | never_queued(waited_seconds=settings.JOB_QUEUE_RETRY_SECONDS),
        status=jobs.model.ACTIVE_STATUS,
    )


def requeue(job: BackgroundJob, enqueue: Callable[[int], object]) -> None:
    """Inside a transaction: free the job and send its task again once the transaction commits.

    It counts as queued only when the broker takes the task (``mark_queued``).
    """
    job.claimed_by, job.heartbeat_at, job.queued_at = "", timezone.now(), None
    job.save(update_fields=["claimed_by", "heartbeat_at", "queued_at"])
    transaction.on_commit(lambda pk=job.pk: enqueue(pk))


def sweep_jobs(
    jobs: QuerySet,
    *,
    stale_after_seconds: int,
    max_attempts: int,
    enqueue: Callable[[int], object],
    give_up: Callable[[BackgroundJob], str],
    after_giving_up: Callable[[BackgroundJob], None] | None = None,
) -> list[int]:
    """Requeue the active jobs whose run went quiet (or whose task never reached the broker); return their ids.

    A job tried ``max_attempts`` times is failed instead, with the reason ``give_up`` returns;
    ``after_giving_up`` then keeps and records what else the failed job needs, in the same
    transaction as the rest.
    """
    requeued = []
    with transaction.atomic():
        for job in stalled(jobs, stale_after_seconds=stale_after_seconds):
            if job.attempts < max_attempts:
                requeue(job, enqueue)
                requeued.append(job.pk)
                continue
            job.status, job.finished_at, job.claimed_by = job.Status.FAILED, timezone.now(), ""
            job.failure_reason = give_up(job)
            job.save(update_fields=["status", "finished_at", "claimed_by", "failure_reason"])
            if after_giving_up is not None:
                after_giving_up(job)
    return requeued
