from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from kaizala_portal import files
from kaizala_portal.jobs import views as job_views
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import selectors, services
from .forms import ExportRequestForm
from .models import ExportJob

QUEUE_DOWN = "The job queue does not answer just now: the export starts by itself once it is back."
QUEUE_STILL_DOWN = (
    "The job queue still does not answer. Your request is kept: the export starts by itself once the queue is back."
)


@organization_view(Action.EXPORT_USERS)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, viewer: Viewer):
    """Confirm what to export: the users the list's search and filters (in the query string) show, or everyone."""
    organization = viewer.organization
    scope = selectors.scope_query(organization, request.GET)
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job = services.create_export_job(
            organization=organization, requested_by=request.user, scope="" if form.exports_everyone() else scope
        )
        job.refresh_from_db(fields=["queued_at"])  # set once the broker took its task, on commit
        if job.queued_at is None:
            messages.warning(request, f"“{job.file_name}” was requested and is kept. {QUEUE_DOWN}")
        else:
            messages.success(request, f"“{job.file_name}” was requested; it is being exported.")
        return redirect("exports:history", org_slug=organization.slug)
    context = {
        "viewer": viewer,
        "form": form,
        "scope": scope,
        "everyone_count": selectors.users_in_scope(viewer, "").count(),
    }
    if scope:
        context["matching_count"] = selectors.users_in_scope(viewer, scope).count()
        context["scope_words"] = selectors.scope_words(organization, scope)
    return render(request, "exports/create.html", context)


@organization_view(Action.EXPORT_USERS)
def history(request: HttpRequest, viewer: Viewer):
    return job_views.history(
        request,
        viewer=viewer,
        jobs=selectors.export_jobs_of(viewer.organization),
        name="export",
        template="exports/history.html",
        table="exports/_history_table.html",
    )


@organization_view(Action.EXPORT_USERS)
@require_POST
def retry_queue(request: HttpRequest, viewer: Viewer, job_id: int):
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization)
    return job_views.retry_queue(
        request,
        job=job,
        queued=f"“{job.file_name}” is queued; its export starts shortly.",
        still_down=QUEUE_STILL_DOWN,
        back_to=_history_url(viewer),
    )


def _history_url(viewer: Viewer) -> str:
    return reverse("exports:history", kwargs={"org_slug": viewer.organization.slug})


@organization_view(Action.EXPORT_USERS)
def download(request: HttpRequest, viewer: Viewer, job_id: int):
    # Another organization's job, or one without a finished file, is not found.
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization, status=ExportJob.Status.COMPLETED)
    return files.download(job.file, filename=job.file_name, content_type=job_views.CSV)


@organization_view(Action.EXPORT_USERS)
def download_error_log(request: HttpRequest, viewer: Viewer, job_id: int):
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization)
    return job_views.download_log(
        request,
        log=job.error_log,
        filename=job_views.error_log_name(job.file_name),
        nothing=f"“{job.file_name}” has no error log to download.",
        back_to=_history_url(viewer),
    )
