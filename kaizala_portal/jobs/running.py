"""Running a job of any registered kind: queue it, claim it, save its progress, finish it, sweep it."""

import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from .claims import BackgroundJob, LostClaim, claim, hold_claim, mark_queued, sweep_jobs
from .kinds import JobKind, kind_of, registered_kinds

logger = logging.getLogger(__name__)


def enqueue(kind: JobKind, job_id: int) -> bool:
    """Send the job to the workers; False when the broker does not answer and the job waits."""
    try:
        kind.task_function.delay(job_id)
    except OperationalError:
        # The broker is down: the job (and its file) is kept, not queued (its queued_at stays
        # empty); the history says it waits, and the sweeper or the "Retry now" button queues it
        # once Redis answers. Nothing of the request is lost.
        logger.exception("Could not queue %s job %s; the sweeper will retry.", kind.name, job_id)
        return False
    mark_queued(kind.model.objects, job_id)
    return True


def enqueue_on_commit(job: BackgroundJob) -> None:
    """Inside the transaction that keeps a new job: send it once that commits."""
    kind = kind_of(job)
    transaction.on_commit(lambda: enqueue(kind, job.pk))


def queue_waiting(job: BackgroundJob) -> bool:
    """Send again a job whose task the broker could not take; True unless the broker still does not answer."""
    return not job.is_waiting_for_queue or enqueue(kind_of(job), job.pk)


def claim_job(kind: JobKind, job_id: int, run_id: str, *, select_related: tuple[str, ...] = (), **reset):
    """Take the job for this run (see ``claim``), or None when it is finished or another live run holds it."""
    return claim(
        kind.model.objects.select_related(*select_related),
        job_id,
        run_id,
        active_status=kind.model.ACTIVE_STATUS,
        stale_after_seconds=kind.stale_after_seconds,
        **reset,
    )


def save_progress(job: BackgroundJob, run_id: str, **fields) -> None:
    """Set the fields and a fresh heartbeat, in a transaction of their own, while this run owns the job.

    Raises ``LostClaim`` when another run has taken the job over.
    """
    with transaction.atomic():
        hold_claim(job, run_id)
        fields["heartbeat_at"] = timezone.now()
        for name, value in fields.items():
            setattr(job, name, value)
        job.save(update_fields=list(fields))


def finish(
    job: BackgroundJob,
    run_id: str,
    *,
    failure: str = "",
    on_finished: Callable[[BackgroundJob], Iterable[str] | None] | None = None,
    **fields,
) -> bool:
    """End the run's job Completed, or Failed with ``failure`` as its reason, and release it.

    ``fields`` are set with the status. ``on_finished`` then keeps and records what else the
    finished job needs (its file, an audit event), in the same transaction, and returns the
    names of any further fields it set, saved with the rest in one write; if it raises, the
    job is not finished. False, and nothing written, when another run has taken the job over.
    """
    try:
        with transaction.atomic():
            hold_claim(job, run_id)
            now = timezone.now()
            fields |= {
                "status": job.Status.FAILED if failure else job.Status.COMPLETED,
                "failure_reason": failure,
                "finished_at": now,
                "claimed_by": "",
                "heartbeat_at": now,
            }
            for name, value in fields.items():
                setattr(job, name, value)
            also_set = on_finished(job) if on_finished is not None else None
            job.save(update_fields=[*fields, *(also_set or ())])
    except LostClaim:
        logger.warning(
            "%s job %s was taken over by another run before %s could finish it.", kind_of(job).name, job.pk, run_id
        )
        return False
    return True


def sweep(kind: JobKind) -> list[int]:
    """Requeue the kind's active jobs nobody has worked on for a while, or fail them after too many tries.

    A worker killed mid-job leaves its message unacknowledged until Redis's visibility timeout
    (an hour or more); the heartbeat lets us notice within minutes. A job whose task never
    reached the broker (Redis down when it was created) is sent again as soon as it has waited
    JOB_QUEUE_RETRY_SECONDS. Returns the ids of the jobs requeued.
    """
    return sweep_jobs(
        kind.model.objects.all(),
        stale_after_seconds=kind.stale_after_seconds,
        max_attempts=kind.max_attempts,
        enqueue=lambda job_id: enqueue(kind, job_id),
        give_up=kind.give_up,
        after_giving_up=kind.gave_up,
    )


def sweep_all() -> dict[str, list[int]]:
    """Sweep every registered kind, each in its own transaction: the ids requeued, by kind."""
    return {kind.name: sweep(kind) for kind in registered_kinds()}
