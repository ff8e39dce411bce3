from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from kaizala_portal import files, jobs
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import selectors, services
from .forms import ExportRequestForm
from .models import ExportJob

HISTORY_PAGE_SIZE = 20
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
    page = Paginator(selectors.export_jobs_of(viewer.organization), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"viewer": viewer, "page": page, "any_queued": any(job.is_queued for job in page)}
    template = "exports/_history_table.html" if request.htmx else "exports/history.html"
    return render(request, template, context)


@organization_view(Action.EXPORT_USERS)
@require_POST
def retry_queue(request: HttpRequest, viewer: Viewer, job_id: int):
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization)
    if jobs.queue_waiting(job):
        messages.success(request, f"“{job.file_name}” is queued; its export starts shortly.")
    else:
        messages.error(request, QUEUE_STILL_DOWN)
    return redirect("exports:history", org_slug=viewer.organization.slug)


@organization_view(Action.EXPORT_USERS)
def download(request: HttpRequest, viewer: Viewer, job_id: int):
    # Another organization's job, or one without a finished file, is not found.
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization, status=ExportJob.Status.COMPLETED)
    return files.download(job.file, filename=job.file_name, content_type="text/csv; charset=utf-8")


@organization_view(Action.EXPORT_USERS)
def download_error_log(request: HttpRequest, viewer: Viewer, job_id: int):
    job = get_object_or_404(ExportJob, pk=job_id, organization=viewer.organization)
    if not job.error_log:
        messages.info(request, f"“{job.file_name}” has no error log to download.")
        return redirect("exports:history", org_slug=viewer.organization.slug)
    stem = job.file_name.rsplit(".", 1)[0]
    return files.download(job.error_log, filename=f"{stem}-errors.csv", content_type="text/csv; charset=utf-8")
