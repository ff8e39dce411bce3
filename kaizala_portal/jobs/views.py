"""What every kind of job's pages share: the history, its "Retry now" button, the downloads.

Each kind keeps its own thin views, which check its permission (``organization_view``) and
find the job within the organization, then hand over to these. Its history table extends
``partials/_job_history.html`` and fills in its columns (see ``templates/imports/``).
"""

from collections.abc import Iterable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from kaizala_portal import files
from kaizala_portal.policy import Viewer

from .claims import BackgroundJob
from .running import queue_waiting

HISTORY_PAGE_SIZE = 20
CSV = "text/csv; charset=utf-8"


def history(
    request: HttpRequest, *, viewer: Viewer, jobs: QuerySet, name: str, template: str, table: str
) -> HttpResponse:
    """A page of ``jobs`` (already the organization's, newest first); htmx, polling while one is active, gets
    only the ``table``.

    ``name`` ("import") names the table (``import-history``) and its rows (``import-12``).
    """
    page = Paginator(jobs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "viewer": viewer,
        "page": page,
        "any_active": any(job.is_active for job in page),
        "history_id": f"{name}-history",
        "row_prefix": name,
    }
    return render(request, table if request.htmx else template, context)


def retry_queue(
    request: HttpRequest, *, job: BackgroundJob, queued: str, still_down: str, back_to: str
) -> HttpResponse:
    """Send again a job whose task the broker could not take, and say whether it went; back to the history."""
    if queue_waiting(job):
        messages.success(request, queued)
    else:
        messages.error(request, still_down)
    return redirect(back_to)


def download_original(job: BackgroundJob) -> HttpResponse:
    """The file the job was made from, under the name it had on the uploader's computer."""
    return files.download(job.file, filename=job.file_name)


def error_log_name(file_name: str) -> str:
    """ "team-errors.csv" for "team.csv"."""
    return f"{file_name.rsplit('.', 1)[0]}-errors.csv"


def download_log(
    request: HttpRequest,
    *,
    log: FieldFile | Iterable[str] | None,
    filename: str,
    nothing: str = "",
    back_to: str = "",
) -> HttpResponse:
    """A job's error log or report: a stored file, or CSV lines streamed as they are written.

    With no log (an empty file field, or None), the history says ``nothing`` instead.
    """
    if log is None or (isinstance(log, FieldFile) and not log):
        messages.info(request, nothing)
        return redirect(back_to)
    if isinstance(log, FieldFile):
        return files.download(log, filename=filename, content_type=CSV)
    response = StreamingHttpResponse(log, content_type=CSV)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
