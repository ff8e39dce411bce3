"""One framework for the portal's background jobs: imports, exports, bulk actions, and what comes next.

A job is a row (a ``BackgroundJob``) that one run at a time owns (see ``claims``): it is queued
to a Celery task when its row commits, claimed by the run that takes it, saves its progress
with a heartbeat, and is finished, Completed or Failed, by that run. One sweeper requeues, for
every registered kind, the jobs whose run went quiet or whose task never reached the broker,
and fails those tried too often.

Adding a kind
-------------
1. The model, in its app's ``models.py``, subclasses ``BackgroundJob``: a ``Status`` with
   ``COMPLETED`` and ``FAILED`` and an active status named by ``ACTIVE_STATUS``; then the kind,
   beside it::

       REPORT_JOBS = jobs.register(
           jobs.JobKind(
               name="report",
               model=ReportJob,
               task="reports.tasks.run_report",
               stale_after_setting="REPORT_STALE_AFTER_SECONDS",
               max_attempts_setting="REPORT_MAX_ATTEMPTS",
               give_up=lambda job: f"The report stopped {job.attempts} times without finishing.",
               after_giving_up="reports.services.record_finished",  # optional
           )
       )

2. The task, in ``tasks.py``, is thin: ``@shared_task(bind=True, acks_late=True,
   reject_on_worker_lost=True)``, calling the service with ``run_id=self.request.id``.
3. The service creates the job and calls ``jobs.enqueue_on_commit(job)`` in the same
   transaction; its run does ``jobs.claim_job(KIND, job_id, run_id)``, works in transactions
   that ``jobs.hold_claim(job, run_id)`` (or calls ``jobs.save_progress(job, run_id, **fields)``),
   and ends with ``jobs.finish(job, run_id, failure=..., on_finished=record_finished)``.
   A "Retry now" button calls ``jobs.queue_waiting(job)``.

Nothing else: the one sweeper task (``kaizala_portal.jobs.sweep_stale_jobs``) finds the kind
in the registry.
"""

from .claims import (
    BackgroundJob,
    LostClaim,
    claim,
    hold_claim,
    mark_queued,
    never_queued,
    requeue,
    stalled,
    sweep_jobs,
)
from .kinds import JobKind, kind_of, register, registered_kinds
from .running import (
    claim_job,
    enqueue,
    enqueue_on_commit,
    finish,
    queue_waiting,
    save_progress,
    sweep,
    sweep_all,
)
from .tasks import sweep_stale_jobs

__all__ = [
    "BackgroundJob",
    "JobKind",
    "LostClaim",
    "claim",
    "claim_job",
    "enqueue",
    "enqueue_on_commit",
    "finish",
    "hold_claim",
    "kind_of",
    "mark_queued",
    "never_queued",
    "queue_waiting",
    "register",
    "registered_kinds",
    "requeue",
    "save_progress",
    "stalled",
    "sweep",
    "sweep_all",
    "sweep_jobs",
    "sweep_stale_jobs",
]
