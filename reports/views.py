from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from groups import selectors as group_selectors
from groups.access import access_group
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import charts, selectors
from .downloads import table_csv
from .forms import ReportForm
from .periods import DEFAULT_PERIOD, months_covering
from .selectors import ReportScope

MEMBERS = [charts.Series("Admins", "series-admins"), charts.Series("Other members", "series-members")]
ACTIVITY = [charts.Series("Joins", "series-joins"), charts.Series("Removals", "series-removals")]
FILLED = [charts.Series("Users with a value", "series-filled")]
PUBLISHED = [charts.Series("Actions", "series-actions"), charts.Series("Connectors", "series-connectors")]
JOBS = [charts.Series("Imports", "series-imports"), charts.Series("Exports", "series-exports")]


@organization_view(Action.VIEW_REPORTS)
@require_GET
def report(request: HttpRequest, viewer: Viewer):
    form, scope = _report_scope(request, viewer)
    members = selectors.members_per_group(scope.groups)
    members_page = Paginator(members.rows, settings.REPORT_GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    # Both per-group tables list the same groups in the same order: one page number serves both.
    publications = selectors.publications_per_group(scope)
    publications_page = Paginator(publications.rows, settings.REPORT_GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    activity = selectors.joins_and_removals(scope)
    attributes, reported_users = selectors.attribute_completeness(scope)
    context = {
        "viewer": viewer,
        "form": form,
        "scope": scope,
        # Picked by their place in the hierarchy ("Field Staff / North"), listed in its order.
        "reportable_groups": group_selectors.by_path(selectors.reportable_groups(viewer)),
        "members": members,
        "members_page": members_page,
        "members_chart": charts.horizontal_bars(
            description="Admins and other members of each group listed below.",
            series=MEMBERS,
            rows=[(name, [admins, others]) for name, admins, others, _ in members_page],
        ),
        "publications": publications,
        "publications_page": publications_page,
        "publications_chart": charts.horizontal_bars(
            description="Actions and Connectors published to each group listed below.",
            series=PUBLISHED,
            rows=[(name, [actions, connectors]) for name, actions, _, connectors, _ in publications_page],
        ),
        "any_published": any(row[1] or row[3] for row in publications.rows),
        "activity": activity,
        "activity_has_any": any(joins or removals for _, joins, removals in activity.rows),
        "activity_chart": charts.grouped_columns(
            description=_activity_description(activity, scope),
            series=ACTIVITY,
            slots=[
                (scope.period.short_label(start), label, [joins, removals])
                for start, (label, joins, removals) in zip(
                    scope.period.bucket_starts(scope.today), activity.rows, strict=True
                )
            ],
        ),
        "dynamic_groups": selectors.dynamic_group_moves(scope),
        "attributes": attributes,
        "reported_users": reported_users,
        "attributes_chart": charts.horizontal_bars(
            description=f"Share of the {reported_users} reported users who hold a value of each attribute.",
            series=FILLED,
            rows=[(name, [filled]) for name, filled, _ in attributes.rows],
            scale_max=reported_users,
            value_text=lambda filled: f"{round(100 * filled / reported_users) if reported_users else 0}%",
        ),
    }
    if scope.covers_organization:
        context["jobs"] = jobs = selectors.jobs_per_month(scope)
        context["jobs_chart"] = _jobs_chart(jobs, scope)
    return render(request, "reports/report.html", context)


GROUP_TABLES = {
    "members": lambda scope: selectors.members_per_group(scope.groups),
    "activity": selectors.joins_and_removals,
    "attributes": lambda scope: selectors.attribute_completeness(scope)[0],
    "publications": selectors.publications_per_group,
}


@organization_view(Action.VIEW_REPORTS)
@require_GET
def download(request: HttpRequest, viewer: Viewer, table: str):
    """One table of the page as CSV, for the same groups and period."""
    _, scope = _report_scope(request, viewer)
    file_name = f"{viewer.organization.slug}-{table}-{scope.today:%Y-%m-%d}.csv"
    return _csv_response(GROUP_TABLES[table](scope), file_name, viewer)


@organization_view(Action.VIEW_ORGANIZATION_REPORTS)
@require_GET
def download_jobs(request: HttpRequest, viewer: Viewer):
    _, scope = _report_scope(request, viewer)
    file_name = f"{viewer.organization.slug}-jobs-{scope.today:%Y-%m-%d}.csv"
    return _csv_response(selectors.jobs_per_month(scope), file_name, viewer)


def _csv_response(table: selectors.Table, filename: str, viewer: Viewer) -> HttpResponse:
    response = HttpResponse(table_csv(table, zone=viewer.organization.zone), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _report_scope(request: HttpRequest, viewer: Viewer) -> tuple[ReportForm, ReportScope]:
    form = ReportForm(request.GET)
    form.is_valid()
    if "group" in form.errors:
        raise Http404("No such group.")
    group_id = form.cleaned_data.get("group")
    # Another organization's group is not found; one of this organization out of the viewer's reach is refused.
    group = access_group(viewer, group_id, Action.VIEW_REPORTS) if group_id else None
    period = form.cleaned_data.get("period") or DEFAULT_PERIOD
    return form, ReportScope(viewer=viewer, period=period, today=timezone.localdate(), group=group)


def _jobs_chart(jobs: selectors.Table, scope: ReportScope) -> charts.ColumnChart:
    """Imports and exports started per month, whatever became of them (the table tells)."""
    months = months_covering(scope.period, scope.today)
    slots = [
        (f"{month:%b}", label, [sum(figures[:3]), sum(figures[3:])])
        for month, (label, *figures) in zip(months, jobs.rows, strict=True)
    ]
    imports, exports = (sum(values[index] for *_, values in slots) for index in (0, 1))
    return charts.grouped_columns(
        description=f"{imports} imports and {exports} exports started, one pair of columns per month.",
        series=JOBS,
        slots=slots,
    )


def _activity_description(activity: selectors.Table, scope: ReportScope) -> str:
    joins = sum(row[1] for row in activity.rows)
    removals = sum(row[2] for row in activity.rows)
    unit = "week" if scope.period.unit == "week" else "month"
    return f"{scope.period.label}: {joins} joins and {removals} removals, one pair of columns per {unit}."
