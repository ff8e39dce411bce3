from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from attributes import types
from kaizala_portal import files, jobs
from kaizala_portal.policy import Action, Viewer
from users import names
from users.access import organization_view

from . import services
from .forms import UploadForm
from .models import ImportJob
from .reader import UNICODE_ENCODINGS, UnreadableFile
from .uploads import SizeLimitedUpload, limit_upload_size

HISTORY_PAGE_SIZE = 20
QUEUE_DOWN = "The job queue does not answer just now: the import starts by itself once it is back."
QUEUE_STILL_DOWN = (
    "The job queue still does not answer. Your file is kept: the import starts by itself once the queue is back."
)


@organization_view(Action.IMPORT_USERS)
def download_template(request: HttpRequest, viewer: Viewer):
    response = HttpResponse(services.template_csv(viewer.organization), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{viewer.organization.slug}-users-template.csv")
    return response


# The CSRF check reads the body, so it runs inside, once the size limit is in place.
@csrf_exempt
@organization_view(Action.IMPORT_USERS)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, viewer: Viewer):
    size_limit = limit_upload_size(request, limit=settings.IMPORT_MAX_UPLOAD_BYTES)
    return _upload(request, viewer, size_limit)


@csrf_protect
def _upload(request: HttpRequest, viewer: Viewer, size_limit: SizeLimitedUpload):
    form = UploadForm(request.POST or None, request.FILES or None)
    if size_limit.refused:
        # The file was never kept: say why, rather than that no file came.
        form.errors["file"] = form.error_class([size_limit.refused])
    elif request.method == "POST" and form.is_valid():
        upload, chosen = form.cleaned_data["file"], form.cleaned_data["encoding"]
        guess = services.guess_encoding(upload, chosen) if upload.name.lower().endswith(".csv") else None
        encoding = guess.encoding if guess else ""
        try:
            checked = services.check_upload(organization=viewer.organization, upload=upload, encoding=encoding)
            unknown = checked.unknown_columns
        except UnreadableFile as problem:
            form.add_error("file", str(problem))
        else:
            # Nothing is kept yet: the admin confirms how to read text that is not Unicode, or
            # corrects the file's columns or confirms leaving them out, selecting the file again.
            unsure_of_text = guess is not None and not chosen and guess.encoding not in UNICODE_ENCODINGS
            if unsure_of_text or (unknown and not form.cleaned_data["ignore_unknown_columns"]):
                if unsure_of_text:
                    form = UploadForm(initial={"encoding": guess.encoding})
                context = {
                    "viewer": viewer,
                    "form": form,
                    "unknown_columns": unknown,
                    "encoding_guess": guess if unsure_of_text else None,
                    "clear_token": types.CLEAR,
                }
                return render(request, "imports/upload.html", context)
            job = services.create_import_job(
                organization=viewer.organization,
                uploaded_by=request.user,
                upload=upload,
                file_format=checked.file_format,
                ignored_columns=[column.header for column in unknown],
                encoding=encoding if encoding not in UNICODE_ENCODINGS else "",
            )
            job.refresh_from_db(fields=["queued_at"])  # set once the broker took its task, on commit
            if job.queued_at is None:
                messages.warning(request, f"“{job.file_name}” was uploaded and is kept. {QUEUE_DOWN}")
            else:
                messages.success(request, f"“{job.file_name}” was uploaded; it is being imported.")
            return redirect("imports:history", org_slug=viewer.organization.slug)
    context = {"viewer": viewer, "form": form, "unknown_columns": [], "clear_token": types.CLEAR}
    return render(request, "imports/upload.html", context)


@organization_view(Action.IMPORT_USERS)
def history(request: HttpRequest, viewer: Viewer):
    jobs = (
        ImportJob.objects.filter(organization=viewer.organization)
        .select_related("uploaded_by", "organization")
        .annotate(uploaded_by_name=names.name_in("organization", "uploaded_by"))
    )
    page = Paginator(jobs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"viewer": viewer, "page": page, "any_processing": any(job.is_processing for job in page)}
    template = "imports/_history_table.html" if request.htmx else "imports/history.html"
    return render(request, template, context)


@organization_view(Action.IMPORT_USERS)
@require_POST
def retry_queue(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    if jobs.queue_waiting(job):
        messages.success(request, f"“{job.file_name}” is queued; its import starts shortly.")
    else:
        messages.error(request, QUEUE_STILL_DOWN)
    return redirect("imports:history", org_slug=viewer.organization.slug)


def _job(viewer: Viewer, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=job_id, organization=viewer.organization)


@organization_view(Action.IMPORT_USERS)
def download_original(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    return files.download(job.file, filename=job.file_name)


@organization_view(Action.IMPORT_USERS)
def download_error_log(request: HttpRequest, viewer: Viewer, job_id: int):
    job = _job(viewer, job_id)
    if not (job.rejected_count or job.failure_reason):
        messages.info(request, f"“{job.file_name}” has no errors to download.")
        return redirect("imports:history", org_slug=viewer.organization.slug)
    response = StreamingHttpResponse(services.error_log_lines(job), content_type="text/csv; charset=utf-8")
    stem = job.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-errors.csv")
    return response
