"""Reads behind the Reports page: figures of the groups a viewer may see reports of.

Every figure is aggregated in the database, a bounded number of queries whatever the
number of groups or users. Each report comes back as a ``Table``: the page shows it,
draws it, and its CSV download writes the very same rows.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Trunc
from django.utils import timezone

from actions.models import ActionPublication
from attributes.selectors import definitions_of
from audit.models import AuditEvent
from connectors.models import ConnectorPublication
from exports.models import ExportJob
from groups.models import Group, GroupMembership
from groups.selectors import with_member_counts
from imports.models import ImportJob
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users.models import OrganizationUser

from .periods import Period, months_covering


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    # The first cell of a row names it (a group, a week, an attribute); the others are figures.
    rows: list[tuple]
    # Whether the first cells are weeks or months, which begin at midnight in the organization's zone.
    by_period: bool = False


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: the viewer's reportable groups (or one of them) over a period."""

    viewer: Viewer
    period: Period
    today: date
    group: Group | None = None

    @property
    def groups(self) -> QuerySet[Group]:
        groups = reportable_groups(self.viewer)
        return groups.filter(pk=self.group.pk) if self.group else groups

    @property
    def users(self) -> QuerySet[OrganizationUser]:
        """The organization users reported on: everyone the viewer's reports reach, or one group's people."""
        users = policy.scope(self.viewer, Action.VIEW_REPORTS, OrganizationUser.objects.all())
        if self.group:
            users = users.filter(Exists(GroupMembership.objects.filter(group=self.group, user=OuterRef("user"))))
        return users

    @property
    def covers_organization(self) -> bool:
        """Whether figures that belong to no group (imports, exports) are the viewer's to see."""
        return policy.can(self.viewer, Action.VIEW_ORGANIZATION_REPORTS)

    @property
    def since(self) -> datetime:
        return self.period.starts_at(self.today)


def reportable_groups(viewer: Viewer) -> QuerySet[Group]:
    return policy.scope(viewer, Action.VIEW_REPORTS, Group.objects.all()).order_by("name", "pk")


def members_per_group(groups: QuerySet[Group]) -> Table:
    rows = [
        (group.name, group.admin_count, group.member_count - group.admin_count, group.member_count)
        for group in with_member_counts(groups).order_by("name", "pk")
    ]
    return Table(columns=("Group", "Admins", "Other members", "All members"), rows=rows)


def publications_per_group(scope: ReportScope) -> Table:
    """The organization's Actions and Connectors published to each group: now, and newly in the period."""
    organization, since = scope.viewer.organization, scope.since
    groups = scope.groups.annotate(
        actions=_publications(ActionPublication, action__organization=organization),
        recent_actions=_publications(ActionPublication, action__organization=organization, published_at__gte=since),
        connectors=_publications(ConnectorPublication, connector__organization=organization),
        recent_connectors=_publications(
            ConnectorPublication, connector__organization=organization, published_at__gte=since
        ),
    )
    rows = [
        (group.name, group.actions, group.recent_actions, group.connectors, group.recent_connectors) for group in groups
    ]
    columns = (
        "Group",
        "Actions published",
        "Actions published in the period",
        "Connectors published",
        "Connectors published in the period",
    )
    return Table(columns=columns, rows=rows)


def _publications(model, **conditions):
    # A subquery per figure rather than joins: joining both kinds would multiply their rows.
    counted = (
        model.objects.filter(group=OuterRef("pk"), **conditions)
        .order_by()
        .values("group")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def joins_and_removals(scope: ReportScope) -> Table:
    """People added to, and removed from, the groups in each week or month of the period.

    Joins are the memberships added then that still exist; removals are read from the audit log.
    """
    unit = scope.period.unit
    joins = _count_by_bucket(
        GroupMembership.objects.filter(group__in=scope.groups, added_at__gte=scope.since), "added_at", unit
    )
    removals = _removals_by_bucket(scope)
    rows = [
        (scope.period.bucket_label(start), joins.get(start, 0), removals.get(start, 0))
        for start in scope.period.bucket_starts(scope.today)
    ]
    return Table(columns=(scope.period.bucket_heading, "Joins", "Removals"), rows=rows, by_period=True)


def _removals_by_bucket(scope: ReportScope) -> dict[date, int]:
    # A removed membership is gone; the audit log keeps one event per person and group.
    removals = AuditEvent.objects.filter(
        organization=scope.viewer.organization,
        verb=AuditEvent.Verb.GROUP_MEMBER_REMOVED,
        group__in=scope.groups,
        created_at__gte=scope.since,
    )
    return _count_by_bucket(removals, "created_at", scope.period.unit)


def dynamic_group_moves(scope: ReportScope) -> Table:
    """Per dynamic group, its members now and how many its rule brought in and took out in the period.

    Read from the refreshes' audit events, one per group and refresh, whose counts are summed in the database.
    """
    refreshes = AuditEvent.objects.filter(
        organization=scope.viewer.organization,
        verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED,
        group=OuterRef("pk"),
        created_at__gte=scope.since,
    ).order_by()
    groups = with_member_counts(scope.groups.filter(rule__isnull=False)).annotate(
        joined=_summed(refreshes, "joined"), left=_summed(refreshes, "left")
    )
    rows = [(group.name, group.member_count, group.joined, group.left) for group in groups.order_by("name", "pk")]
    return Table(columns=("Dynamic group", "Members now", "Joined by the rule", "Left by the rule"), rows=rows)


def _summed(events: QuerySet, key: str):
    total = events.values("group").annotate(total=Sum(Cast(KT(f"details__{key}"), IntegerField()))).values("total")
    return Coalesce(Subquery(total), 0)


def attribute_completeness(scope: ReportScope) -> tuple[Table, int]:
    """Per attribute of the organization, how many of the reported users hold a value; and how many they are."""
    definitions = definitions_of(scope.viewer.organization)
    filled = {
        definition.key: Count("pk", filter=Q(attribute_values__has_key=definition.key)) for definition in definitions
    }
    counts = scope.users.aggregate(everyone=Count("pk"), **filled)
    everyone = counts["everyone"]
    rows = [
        (definition.name, counts[definition.key], _share(counts[definition.key], everyone))
        for definition in definitions
    ]
    return Table(columns=("Attribute", "Users with a value", "Share"), rows=rows), everyone


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def jobs_per_month(scope: ReportScope) -> Table:
    """Imports and exports of the whole organization started in each month the period touches, by status."""
    months = months_covering(scope.period, scope.today)
    since = timezone.make_aware(datetime(months[0].year, months[0].month, 1))
    organization = scope.viewer.organization
    imports = _count_by_bucket(
        ImportJob.objects.filter(organization=organization, created_at__gte=since), "created_at", "month", "status"
    )
    exports = _count_by_bucket(
        ExportJob.objects.filter(organization=organization, created_at__gte=since), "created_at", "month", "status"
    )
    import_statuses = [ImportJob.Status.COMPLETED, ImportJob.Status.FAILED, ImportJob.Status.PROCESSING]
    export_statuses = [ExportJob.Status.COMPLETED, ExportJob.Status.FAILED, ExportJob.Status.QUEUED]
    columns = (
        "Month",
        *(f"Imports {status.label.lower()}" for status in import_statuses),
        *(f"Exports {status.label.lower()}" for status in export_statuses),
    )
    rows = [
        (
            f"{month:%b %Y}",
            *(imports.get((month, status), 0) for status in import_statuses),
            *(exports.get((month, status), 0) for status in export_statuses),
        )
        for month in months
    ]
    return Table(columns=columns, rows=rows, by_period=True)


def _count_by_bucket(queryset: QuerySet, field: str, unit: str, *also: str) -> dict:
    """Rows of ``queryset`` counted per week or month of ``field`` (and per value of the ``also`` fields).

    Keys are the buckets' first days in the portal's time zone: ``date``, or ``(date, *also values)``.
    """
    counted = (
        queryset.annotate(bucket=Trunc(field, unit, tzinfo=timezone.get_current_timezone()))
        .values("bucket", *also)
        .annotate(count=Count("pk"))
        .order_by()
    )
    figures: dict = {}
    for row in counted:
        day = timezone.localtime(row["bucket"]).date()
        key = (day, *(row[name] for name in also)) if also else day
        figures[key] = figures.get(key, 0) + row["count"]
    return figures
