"""Bulk Upload Users on the Groups page: uploading either file, and the history of both.

Uploading is for whoever may add or remove users of groups (an org admin, a group admin);
each row is then judged against the uploader's role by the job. The history shows an org
admin every upload of the organization, a group admin their own.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from imports.reader import UnreadableFile
from imports.uploads import SizeLimitedUpload, limit_upload_size
from kaizala_portal import policy
from kaizala_portal.jobs import views as job_views
from kaizala_portal.policy import Action, Viewer
from users import names
from users.access import organization_view

from . import services
from .forms import GroupFileForm
from .models import GroupImportJob

QUEUE_DOWN = "The job queue does not answer just now: the upload is processed by itself once it is back."
QUEUE_STILL_DOWN = (
    "The job queue still does not answer. Your file is kept: it is processed by itself once the queue is back."
)


# The CSRF check reads the body, so it runs inside, once the size limit is in place.
@csrf_exempt
@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, viewer: Viewer, kind: str):
    size_limit = limit_upload_size(request, limit=settings.IMPORT_MAX_UPLOAD_BYTES)
    return _upload(request, viewer, GroupImportJob.Kind(kind), size_limit)


@csrf_protect
def _upload(request: HttpRequest, viewer: Viewer, kind: GroupImportJob.Kind, size_limit: SizeLimitedUpload):
    form = GroupFileForm(request.POST or None, request.FILES or None)
    if size_limit.refused:
        form.errors["file"] = form.error_class([size_limit.refused])
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.check_upload(kind=kind, upload=upload)
        except UnreadableFile as problem:
            form.add_error("file", str(problem))
        else:
            job = services.create_job(
                organization=viewer.organization, uploaded_by=request.user, kind=kind, upload=upload
            )
            job.refresh_from_db(fields=["queued_at"])  # set once the broker took its task, on commit
            if job.queued_at is None:
                messages.warning(request, f"“{job.file_name}” was uploaded and is kept. {QUEUE_DOWN}")
            else:
                messages.success(request, f"“{job.file_name}” was uploaded; it is being processed.")
            return redirect("group_imports:history", org_slug=viewer.organization.slug)
    context = {
        "viewer": viewer,
        "form": form,
        "kind": kind,
        "is_user_mapping": kind == GroupImportJob.Kind.USER_MAPPING,
        "may_create_groups": policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS),
    }
    return render(request, "group_imports/upload.html", context)


@organization_view(Action.VIEW_GROUP_IMPORTS)
def history(request: HttpRequest, viewer: Viewer):
    uploads = policy.scope(
        viewer,
        Action.VIEW_GROUP_IMPORTS,
        GroupImportJob.objects.select_related("uploaded_by", "organization").annotate(
            uploaded_by_name=names.name_in("organization", "uploaded_by")
        ),
    )
    return job_views.history(
        request,
        viewer=viewer,
        jobs=uploads,
        name="group-import",
        template="group_imports/history.html",
        table="group_imports/_history_table.html",
    )


def _job(viewer: Viewer, job_id: int) -> GroupImportJob:
    uploads = policy.scope(viewer, Action.VIEW_GROUP_IMPORTS, GroupImportJob.objects.select_related("organization"))
    return get_object_or_404(uploads, pk=job_id)


def _history_url(viewer: Viewer) -> str:
    return reverse("group_imports:history", kwargs={"org_slug": viewer.organization.slug})


@organization_view(Action.VIEW_GROUP_IMPORTS)
@require_POST
def retry_queue(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    return job_views.retry_queue(
        request,
        job=job,
        queued=f"“{job.file_name}” is queued; it is processed shortly.",
        still_down=QUEUE_STILL_DOWN,
        back_to=_history_url(viewer),
    )


@organization_view(Action.VIEW_GROUP_IMPORTS)
def download_original(request: HttpRequest, viewer: Viewer, job_id: int):
    return job_views.download_original(_job(viewer, job_id))


@organization_view(Action.VIEW_GROUP_IMPORTS)
def download_error_log(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    return job_views.download_log(
        request,
        log=services.error_log_lines(job) if job.has_error_log else None,
        filename=job_views.error_log_name(job.file_name),
        nothing=f"“{job.file_name}” has no errors to download.",
        back_to=_history_url(viewer),
    )
