"""The job framework itself, through the portal's real kinds: queued, swept, saved and finished alike."""

import dataclasses
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from bulk_actions.models import BULK_JOBS, BulkJob
from exports.models import EXPORT_JOBS, ExportJob
from group_imports.models import GROUP_IMPORT_JOBS
from imports.models import IMPORT_JOBS, ImportJob
from kaizala_portal import jobs
from kaizala_portal.celery import app

from .celery_support import broker_down
from .factories import BulkJobFactory, ExportJobFactory, GroupImportJobFactory, ImportJobFactory

pytestmark = pytest.mark.django_db

KINDS = [
    (IMPORT_JOBS, ImportJobFactory),
    (EXPORT_JOBS, ExportJobFactory),
    (BULK_JOBS, BulkJobFactory),
    (GROUP_IMPORT_JOBS, GroupImportJobFactory),
]
KIND_IDS = ["import", "export", "bulk action", "group upload"]
AN_HOUR_AGO = timezone.now() - timedelta(hours=1)


def stale(factory, organization, **fields):
    """A job whose run went quiet an hour ago."""
    fields = {"claimed_by": "lost-run", "attempts": 1, "heartbeat_at": AN_HOUR_AGO, "queued_at": AN_HOUR_AGO, **fields}
    return factory(organization=organization, **fields)


def claimed(factory, organization, run_id="this-run", **fields):
    job = factory(organization=organization, queued_at=timezone.now(), **fields)
    return jobs.claim_job(jobs.kind_of(job), job.pk, run_id)


# The registry ---------------------------------------------------------------------------


def test_every_kind_of_job_is_registered_once_django_is_set_up():
    assert {kind.model for kind in jobs.registered_kinds()} >= {ImportJob, ExportJob, BulkJob}
    for kind in (IMPORT_JOBS, EXPORT_JOBS, BULK_JOBS):
        assert jobs.kind_of(kind.model) is kind
        # Its task is the one a worker runs under that name.
        assert kind.task_function.name == kind.task and kind.task in app.tasks


def test_a_second_kind_for_the_same_model_is_refused():
    with pytest.raises(ValueError, match="ImportJob already has a job kind: import"):
        jobs.register(dataclasses.replace(IMPORT_JOBS, name="another import"))
    assert jobs.kind_of(ImportJob) is IMPORT_JOBS


def test_a_kind_reads_its_limits_from_the_settings_it_names(settings):
    settings.EXPORT_STALE_AFTER_SECONDS, settings.EXPORT_MAX_ATTEMPTS = 7, 9
    assert (EXPORT_JOBS.stale_after_seconds, EXPORT_JOBS.max_attempts) == (7, 9)


def test_one_beat_entry_runs_the_one_sweeper_and_the_old_sweepers_names_still_run_it():
    beat_tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert beat_tasks == ["kaizala_portal.jobs.sweep_stale_jobs"]
    for name in [
        "kaizala_portal.jobs.sweep_stale_jobs",
        "imports.tasks.sweep_stale_imports",
        "exports.tasks.sweep_stale_exports",
        "bulk_actions.tasks.sweep_stale_bulk_jobs",
    ]:
        assert name in app.tasks


# Queueing -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, factory", KINDS, ids=KIND_IDS)
def test_enqueue_with_the_broker_down_keeps_the_job_waiting(kind, factory, organization):
    job = factory(organization=organization)
    with broker_down():
        assert jobs.enqueue(kind, job.pk) is False
        # "Retry now" while it is still down says so again, and keeps the job.
        assert jobs.queue_waiting(job) is False
    job.refresh_from_db()
    assert job.is_waiting_for_queue and job.queued_at is None and job.status == kind.model.ACTIVE_STATUS


def test_queueing_a_job_that_is_not_waiting_sends_nothing(organization):
    job = ImportJobFactory(organization=organization, queued_at=AN_HOUR_AGO)
    with broker_down():
        assert jobs.queue_waiting(job) is True
    job.refresh_from_db()
    assert job.queued_at == AN_HOUR_AGO


def test_a_new_job_is_sent_only_once_its_row_commits(organization, django_capture_on_commit_callbacks):
    job = ImportJobFactory(organization=organization)
    with broker_down(), django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue_on_commit(job)
    assert len(callbacks) == 1
    with broker_down():
        callbacks[0]()
    job.refresh_from_db()
    assert job.is_waiting_for_queue


# Sweeping -------------------------------------------------------------------------------


def test_the_one_sweeper_requeues_a_quiet_job_of_every_kind(organization, django_capture_on_commit_callbacks):
    quiet = {kind.name: stale(factory, organization) for kind, factory in KINDS}
    live = ImportJobFactory(organization=organization, claimed_by="live-run", attempts=1, heartbeat_at=timezone.now())
    done = ExportJobFactory(organization=organization, status=ExportJob.Status.COMPLETED, heartbeat_at=AN_HOUR_AGO)

    with broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        requeued = jobs.sweep_all()

    assert {name: requeued[name] for name in quiet} == {name: [job.pk] for name, job in quiet.items()}
    assert len(callbacks) == len(KINDS)
    for job in quiet.values():
        job.refresh_from_db()
        # Freed for the next run, and (the broker being down) waiting to be sent again.
        assert (job.claimed_by, job.status, job.queued_at) == ("", type(job).ACTIVE_STATUS, None)
    live.refresh_from_db()
    done.refresh_from_db()
    assert live.claimed_by == "live-run" and done.status == ExportJob.Status.COMPLETED


def test_a_kind_whose_sweep_fails_does_not_keep_the_others_from_being_swept(
    organization, settings, django_capture_on_commit_callbacks
):
    quiet_import = stale(ImportJobFactory, organization)
    stale(ExportJobFactory, organization)
    settings.EXPORT_STALE_AFTER_SECONDS = None  # a setting gone wrong: the export sweep raises

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        requeued = jobs.sweep_all()

    assert requeued["import"] == [quiet_import.pk] and "export" not in requeued
    quiet_import.refresh_from_db()
    assert quiet_import.claimed_by == ""


def test_a_job_tried_too_often_fails_with_its_kinds_sentence_and_what_the_kind_records(organization):
    job = stale(ImportJobFactory, organization, attempts=settings.IMPORT_MAX_ATTEMPTS, rows_done=4000)

    assert jobs.sweep(IMPORT_JOBS) == []

    job.refresh_from_db()
    assert (job.status, job.claimed_by) == (ImportJob.Status.FAILED, "")
    assert job.failure_reason == (
        "The import stopped 3 times without finishing (its worker was lost) after row 4001. "
        "Rows before it were imported."
    )
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.IMPORT_FINISHED)
    assert (event.details["job_id"], event.details["status"]) == (job.pk, "failed")


def test_the_sweeper_task_sweeps_every_kind(organization):
    job = stale(BulkJobFactory, organization, attempts=settings.BULK_ACTIONS_MAX_ATTEMPTS)
    jobs.sweep_stale_jobs()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    assert job.failure_reason.startswith("The bulk action stopped 3 times without finishing")


# Progress and finishing -----------------------------------------------------------------


@pytest.mark.parametrize("kind, factory", KINDS, ids=KIND_IDS)
def test_save_progress_sets_the_fields_and_a_fresh_heartbeat(kind, factory, organization):
    job = claimed(factory, organization)
    before = job.heartbeat_at
    jobs.save_progress(job, "this-run", total_rows=10, rows_done=4)
    job.refresh_from_db()
    assert (job.total_rows, job.rows_done, job.claimed_by) == (10, 4, "this-run")
    assert job.heartbeat_at >= before


def test_save_progress_of_a_run_that_lost_its_claim_raises_and_saves_nothing(organization):
    job = claimed(ImportJobFactory, organization)
    ImportJob.objects.filter(pk=job.pk).update(claimed_by="another-run")
    with pytest.raises(jobs.LostClaim):
        jobs.save_progress(job, "this-run", rows_done=4)
    job.refresh_from_db()
    assert (job.rows_done, job.claimed_by) == (0, "another-run")


@pytest.mark.parametrize("kind, factory", KINDS, ids=KIND_IDS)
def test_finish_completes_the_job_and_releases_its_claim(kind, factory, organization):
    job = claimed(factory, organization)
    assert jobs.finish(job, "this-run", rows_done=5) is True
    job.refresh_from_db()
    assert (job.status, job.failure_reason, job.claimed_by, job.rows_done) == (kind.model.Status.COMPLETED, "", "", 5)
    assert job.finished_at is not None and not job.is_waiting_for_queue


def test_finish_with_a_failure_fails_the_job_with_that_reason(organization):
    job = claimed(BulkJobFactory, organization)
    jobs.finish(job, "this-run", failure="The group of this action no longer exists.")
    job.refresh_from_db()
    assert (job.status, job.failure_reason, job.claimed_by) == (
        BulkJob.Status.FAILED,
        "The group of this action no longer exists.",
        "",
    )


def test_what_on_finished_sets_is_saved_with_the_job(organization):
    job = claimed(ExportJobFactory, organization)

    def name_the_file(job):
        job.file.name = "exports/kept.csv"
        return ["file"]

    jobs.finish(job, "this-run", on_finished=name_the_file)
    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportJob.Status.COMPLETED, "exports/kept.csv")


def test_a_run_that_lost_its_claim_finishes_nothing(organization):
    job = claimed(ExportJobFactory, organization)
    ExportJob.objects.filter(pk=job.pk).update(claimed_by="another-run")
    called = []
    assert jobs.finish(job, "this-run", failure="Too late.", on_finished=called.append) is False
    job.refresh_from_db()
    assert (job.status, job.failure_reason, job.claimed_by, called) == (ExportJob.Status.QUEUED, "", "another-run", [])


def test_when_on_finished_fails_the_job_is_not_finished(organization):
    job = claimed(ImportJobFactory, organization)

    def broken(job):
        raise OSError("disk full")

    with pytest.raises(OSError):
        jobs.finish(job, "this-run", on_finished=broken)
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.finished_at) == (ImportJob.Status.PROCESSING, "this-run", None)


@pytest.mark.celery
def test_a_worker_knows_the_sweeper_and_every_kinds_task(celery_worker):
    inspect = app.control.inspect(destination=[celery_worker.hostname], timeout=5)
    registered = set(inspect.registered()[celery_worker.hostname])
    assert {"kaizala_portal.jobs.sweep_stale_jobs", "imports.tasks.sweep_stale_imports"} <= registered
    assert {kind.task for kind in jobs.registered_kinds()} <= registered


# The history, "Retry now" and the downloads ---------------------------------------------

HISTORIES = [
    (ImportJobFactory, "imports", "import"),
    (ExportJobFactory, "exports", "export"),
    (BulkJobFactory, "bulk_actions", "bulk"),
    (GroupImportJobFactory, "group_imports", "group-import"),
]


def url(namespace, name, organization, **kwargs):
    return reverse(f"{namespace}:{name}", kwargs={"org_slug": organization.slug, **kwargs})


@pytest.mark.parametrize("factory, namespace, name", HISTORIES, ids=KIND_IDS)
def test_every_history_refreshes_itself_only_while_a_job_on_it_is_active(
    factory, namespace, name, client_for, organization, org_admin
):
    client = client_for(org_admin)
    job = factory(organization=organization, queued_at=timezone.now(), total_rows=8, rows_done=3)

    page = client.get(url(namespace, "history", organization)).content.decode()
    assert f'<div id="{name}-history"' in page and 'hx-trigger="every 2s"' in page
    assert f'<tr id="{name}-{job.pk}">' in page
    assert "3 of 8" in page and 'progress value="3" max="8"' in page

    table = client.get(url(namespace, "history", organization), HTTP_HX_REQUEST="true").content.decode()
    assert table.lstrip().startswith(f'<div id="{name}-history"') and "<html" not in table

    type(job).objects.filter(pk=job.pk).update(status=type(job).Status.FAILED, failure_reason="The disk is full.")
    page = client.get(url(namespace, "history", organization)).content.decode()
    assert "The disk is full." in page and "every 2s" not in page


@pytest.mark.parametrize("factory, namespace, name", HISTORIES, ids=KIND_IDS)
def test_every_history_offers_retry_now_for_a_job_the_broker_did_not_take(
    factory, namespace, name, client_for, organization, org_admin
):
    client = client_for(org_admin)
    job = factory(organization=organization)
    retry_url = url(namespace, "retry_queue", organization, job_id=job.pk)

    page = client.get(url(namespace, "history", organization)).content.decode()
    assert "Waiting for the job queue, which did not answer." in page and retry_url in page

    with broker_down():
        response = client.post(retry_url, follow=True)
    assert response.redirect_chain == [(url(namespace, "history", organization), 302)]
    assert "The job queue still does not answer." in response.content.decode()
    job.refresh_from_db()
    assert job.is_waiting_for_queue


@pytest.mark.parametrize("factory, namespace, name", HISTORIES, ids=KIND_IDS)
def test_retry_now_finds_no_job_of_another_organization(
    factory, namespace, name, client_for, organization, other_organization, org_admin
):
    job = factory(organization=other_organization)
    with broker_down():
        response = client_for(org_admin).post(url(namespace, "retry_queue", organization, job_id=job.pk))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.is_waiting_for_queue


def test_a_job_without_errors_has_no_error_log_to_download(client_for, organization, org_admin):
    job = ImportJobFactory(organization=organization, status=ImportJob.Status.COMPLETED, file_name="team.csv")
    response = client_for(org_admin).get(url("imports", "errors", organization, job_id=job.pk), follow=True)
    assert response.redirect_chain == [(url("imports", "history", organization), 302)]
    assert "“team.csv” has no errors to download." in response.content.decode()


def test_an_error_log_is_named_after_the_file_it_is_of(client_for, organization, org_admin):
    job = ImportJobFactory(
        organization=organization, status=ImportJob.Status.FAILED, file_name="team.v2.csv", failure_reason="Broken."
    )
    response = client_for(org_admin).get(url("imports", "errors", organization, job_id=job.pk))
    assert response["Content-Disposition"] == 'attachment; filename="team.v2-errors.csv"'
    assert b"".join(response.streaming_content).decode() == "\ufeffRow,Column,Reason\r\n,,Broken.\r\n"
