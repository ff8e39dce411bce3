"""The Users list's bulk actions: a confirmation page per action, the history, the per-person report."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from exports import selectors as export_selectors
from groups.models import Group
from kaizala_portal import jobs
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import selectors, services
from .forms import GroupChoiceForm
from .models import BulkJob
from .selectors import Selection

HISTORY_PAGE_SIZE = 20
NOTHING_CHOSEN = "Choose people first: tick them in the list, or “Select all matching”."
NOBODY_REACHED = "None of the chosen people are users of {organization} you can act on. Nothing was changed."
QUEUE_DOWN = "The job queue does not answer just now: the bulk action starts by itself once it is back."
QUEUE_STILL_DOWN = (
    "The job queue still does not answer. Your bulk action is kept: it starts by itself once the queue is back."
)


def _list_url(viewer: Viewer, params) -> str:
    """The Users list with the search and filters the selection came from."""
    query = export_selectors.scope_query(viewer.organization, params)
    return reverse("users:list", kwargs={"org_slug": viewer.organization.slug}) + (f"?{query}" if query else "")


def _chosen(request: HttpRequest, viewer: Viewer) -> tuple[Selection | None, HttpResponse | None, int]:
    """The selection the list (or the confirmation form) sent, with how many people it reaches; else a redirect back."""
    params = request.POST if request.method == "POST" else request.GET
    selection = selectors.selection_from(viewer.organization, params)
    if selection is None:
        messages.error(request, NOTHING_CHOSEN)
        return None, redirect(_list_url(viewer, params)), 0
    count = selectors.people_in(viewer, selection.scope).count()
    if not count:
        messages.error(request, NOBODY_REACHED.format(organization=viewer.organization))
        return None, redirect(_list_url(viewer, params)), 0
    return selection, None, count


def _context(request: HttpRequest, viewer: Viewer, selection: Selection, count: int, **extra) -> dict:
    return {
        "viewer": viewer,
        "count": count,
        # Ids the request named that reach nobody here: another organization's people, or beyond the role.
        "ignored": max(len(selection.chosen_ids) - count, 0),
        "description": selectors.describe(viewer.organization, selection, count),
        "all_matching": selection.is_all_matching,
        "fields": selectors.form_fields(selection),
        "list_url": _list_url(viewer, request.POST if request.method == "POST" else request.GET),
        "in_background": count > settings.BULK_ACTIONS_IN_REQUEST_UP_TO,
        **extra,
    }


def _start(request: HttpRequest, viewer: Viewer, kind: BulkJob.Kind, selection: Selection, group: Group | None = None):
    try:
        job = services.start_bulk_job(viewer=viewer, kind=kind, selection=selection, group=group)
    except services.NotAllowed as refusal:
        messages.error(request, f"{refusal} Nothing was changed.")
        return redirect("users:list", org_slug=viewer.organization.slug)
    if job.status == BulkJob.Status.FAILED:
        messages.error(request, f"“{job.title}” failed: {job.failure_reason}")
    elif job.is_processing and job.queued_at is None:
        messages.warning(request, f"“{job.title}” ({job.scope_description}) is kept. {QUEUE_DOWN}")
    elif job.is_processing:
        messages.success(request, f"“{job.title}” ({job.scope_description}) is queued; its progress shows here.")
    elif job.refused_count or job.skipped_count:
        messages.warning(request, f"{job.result} The report says who was left out and why.")
    else:
        messages.success(request, job.result)
    return redirect("bulk_actions:history", org_slug=viewer.organization.slug)


@organization_view(Action.REMOVE_USERS)
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, viewer: Viewer):
    selection, back, count = _chosen(request, viewer)
    if back:
        return back
    if request.method == "POST":
        return _start(request, viewer, BulkJob.Kind.DELETE, selection)
    preview = selectors.preview_delete(viewer, selectors.people_in(viewer, selection.scope))
    context = _context(request, viewer, selection, count, preview=preview)
    return render(request, "bulk_actions/confirm_delete.html", context)


def _group_action(request: HttpRequest, viewer: Viewer, kind: BulkJob.Kind, template: str, preview):
    selection, back, count = _chosen(request, viewer)
    if back:
        return back
    data = request.POST if request.method == "POST" else (request.GET if "group" in request.GET else None)
    form = GroupChoiceForm(data, groups=selectors.groups_to_manage(viewer))
    group = form.cleaned_data["group"] if form.is_valid() else None
    if request.method == "POST" and group is not None:
        return _start(request, viewer, kind, selection, group)
    extra = {"form": form, "group": group}
    if group is not None:
        extra["preview"] = preview(group, selectors.people_in(viewer, selection.scope))
    return render(request, template, _context(request, viewer, selection, count, **extra))


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_http_methods(["GET", "POST"])
def add_to_group(request: HttpRequest, viewer: Viewer):
    return _group_action(
        request, viewer, BulkJob.Kind.ADD_TO_GROUP, "bulk_actions/confirm_add.html", selectors.preview_add
    )


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_http_methods(["GET", "POST"])
def remove_from_group(request: HttpRequest, viewer: Viewer):
    return _group_action(
        request, viewer, BulkJob.Kind.REMOVE_FROM_GROUP, "bulk_actions/confirm_remove.html", selectors.preview_remove
    )


@organization_view(Action.EXPORT_USERS)
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, viewer: Viewer):
    selection, back, count = _chosen(request, viewer)
    if back:
        return back
    if request.method == "POST":
        job = services.export_selection(viewer=viewer, selection=selection)
        job.refresh_from_db(fields=["queued_at"])  # set once the broker took its task, on commit
        if job.queued_at is None:
            messages.warning(request, f"“{job.file_name}” was requested and is kept. {QUEUE_DOWN}")
        else:
            messages.success(request, f"“{job.file_name}” was requested; it is being exported.")
        return redirect("exports:history", org_slug=viewer.organization.slug)
    return render(request, "bulk_actions/confirm_export.html", _context(request, viewer, selection, count))


@organization_view(Action.VIEW_BULK_JOBS)
def history(request: HttpRequest, viewer: Viewer):
    jobs = selectors.bulk_jobs_visible_to(viewer)
    page = Paginator(jobs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"viewer": viewer, "page": page, "any_processing": any(job.is_processing for job in page)}
    template = "bulk_actions/_history_table.html" if request.htmx else "bulk_actions/history.html"
    return render(request, template, context)


def _job(viewer: Viewer, job_id: int) -> BulkJob:
    # Another organization's job, or one beyond the viewer's role, is not found.
    return get_object_or_404(selectors.bulk_jobs_visible_to(viewer), pk=job_id)


@organization_view(Action.VIEW_BULK_JOBS)
def report(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    response = StreamingHttpResponse(services.report_lines(job), content_type="text/csv; charset=utf-8")
    file_name = f"{viewer.organization.slug}-bulk-{job.pk}-report.csv"
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


@organization_view(Action.VIEW_BULK_JOBS)
@require_POST
def retry_queue(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    if jobs.queue_waiting(job):
        messages.success(request, f"“{job.title}” is queued; it starts shortly.")
    else:
        messages.error(request, QUEUE_STILL_DOWN)
    return redirect("bulk_actions:history", org_slug=viewer.organization.slug)
