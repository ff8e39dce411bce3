"""The one sweeper task, over every registered kind of job (one beat entry: CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .running import sweep_all


@shared_task(name="kaizala_portal.jobs.sweep_stale_jobs")
def sweep_stale_jobs() -> None:
    sweep_all()


# The names each kind's sweeper had before there was one: a beat message sent before an
# upgrade may still wait in the queue under one of them.
for _old_name in (
    "imports.tasks.sweep_stale_imports",
    "exports.tasks.sweep_stale_exports",
    "bulk_actions.tasks.sweep_stale_bulk_jobs",
):
    shared_task(name=_old_name)(sweep_all)
