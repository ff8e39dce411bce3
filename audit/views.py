from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import selectors
from .csv_export import csv_lines
from .filters import AuditEventFilter
from .models import AuditEvent
from .sentences import detail_lines, sentence


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    sentence: str
    details: list[str]


@organization_view(Action.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest, viewer: Viewer):
    filterset = AuditEventFilter(request.GET, queryset=selectors.events_of(viewer.organization))
    page = Paginator(filterset.qs, settings.AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    download_query = request.GET.copy()
    download_query.pop("page", None)
    context = {
        "viewer": viewer,
        "filterset": filterset,
        "page": page,
        "entries": [Entry(event, sentence(event), detail_lines(event)) for event in page],
        "download_query": download_query.urlencode(),
    }
    return render(request, "audit/log.html", context)


@organization_view(Action.VIEW_AUDIT_LOG)
@require_GET
def download(request: HttpRequest, viewer: Viewer):
    """The events the page's filters show, every page of them."""
    filterset = AuditEventFilter(request.GET, queryset=selectors.events_of(viewer.organization))
    file_name = f"{viewer.organization.slug}-audit-log-{timezone.localtime():%Y-%m-%d-%H%M%S}.csv"
    response = StreamingHttpResponse(
        csv_lines(filterset.qs, zone=viewer.organization.zone), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
