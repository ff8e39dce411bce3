"""A small hand-made organization whose report figures are known in advance.

Contoso's two groups, with when each person joined (weeks counted back from this one):

- Sales North: Ravi Groupadmin (admin, 20 weeks ago: before the period), Meera Member
  (2 weeks ago), Nina New (this week);
- Sales South: Omar Outsider (admin, 2 weeks ago), Sunil and Sita (last week).

Removed (as the audit log tells): Rahul from Sales North last week, Priya and Pooja from
Sales South 2 weeks ago, someone from Sales South 20 weeks ago (before the period).

Employee ID is filled in for Ravi, Meera and Sunil; Department for Meera only.
Published: the Attendance checklist to both groups (North's 20 weeks ago, South's this
week), the Pulse survey to North (last week), the CRM connector to South (20 weeks ago).
Fabrikam has a group, an import and an Action of its own, which no figure of Contoso
may count (not even that Action published to a Contoso group).
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from actions.models import Action, ActionPublication
from audit.models import AuditEvent
from connectors.models import Connector, ConnectorPublication
from exports.models import ExportJob
from groups.models import GroupMembership
from imports.models import ImportJob
from reports.periods import DEFAULT_PERIOD

from ..factories import (
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationUserFactory,
)


def weeks_ago(weeks: int) -> datetime:
    """Tuesday noon of the week ``weeks`` before this one (this week's Monday if that is still ahead)."""
    week_start = DEFAULT_PERIOD.bucket_starts(timezone.localdate())[-1] - timedelta(weeks=weeks)
    moment = timezone.make_aware(datetime.combine(week_start + timedelta(days=1), time(12)))
    return min(moment, timezone.now()) if weeks == 0 else moment


def months_ago(months: int) -> datetime:
    today = timezone.localdate()
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return timezone.make_aware(datetime(year, month, 1, 12))


def join(group, user, when, role=GroupMembership.Role.MEMBER):
    membership, _ = GroupMembership.objects.update_or_create(
        group=group, user=user, defaults={"added_at": when, "role": role}
    )
    return membership


@pytest.fixture
def report_world(organization, other_organization, org_admin, group_admin, admin_group, member, outsider_member):
    attributes = {
        "employee_id": AttributeDefinitionFactory(organization=organization, name="Employee ID"),
        "department": AttributeDefinitionFactory(organization=organization, name="Department"),
    }
    employee_id, department = attributes["employee_id"].key, attributes["department"].key

    def org_user(name, **values):
        return OrganizationUserFactory(organization=organization, name=name, attribute_values=values)

    nina = org_user("Nina New").user
    sunil = org_user("Sunil South", **{employee_id: "E-7"}).user
    sita = org_user("Sita South").user
    for person, values in ((group_admin, {employee_id: "E-1"}), (member, {employee_id: "E-2", department: "Sales"})):
        person.memberships.filter(organization=organization).update(attribute_values=values)

    join(admin_group, group_admin, weeks_ago(20), GroupMembership.Role.ADMIN)
    join(admin_group, member, weeks_ago(2))
    join(admin_group, nina, weeks_ago(0))
    sales_south = GroupFactory(organization=organization, name="Sales South")
    join(sales_south, outsider_member, weeks_ago(2), GroupMembership.Role.ADMIN)
    join(sales_south, sunil, weeks_ago(1))
    join(sales_south, sita, weeks_ago(1))

    fabrikam_crew = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    GroupMembershipFactory(group=fabrikam_crew, added_at=weeks_ago(0))
    OrganizationUserFactory(organization=other_organization, attribute_values={employee_id: "F-1"})

    jobs = [
        (organization, ImportJob.Status.COMPLETED, months_ago(0)),
        (organization, ImportJob.Status.COMPLETED, months_ago(0)),
        (organization, ImportJob.Status.FAILED, months_ago(1)),
        (organization, ImportJob.Status.COMPLETED, months_ago(24)),
        (other_organization, ImportJob.Status.COMPLETED, months_ago(0)),
    ]
    for number, (owner, status, when) in enumerate(jobs):
        ImportJob.objects.create(
            organization=owner, file_name="people.csv", token=f"import-{number}", status=status, created_at=when
        )
    ExportJob.objects.create(
        organization=organization,
        file_name="users.csv",
        token="export-1",
        status=ExportJob.Status.COMPLETED,
        created_at=months_ago(0),
    )

    def removed(group, label, when):
        AuditEvent.objects.create(
            organization=group.organization,
            verb=AuditEvent.Verb.GROUP_MEMBER_REMOVED,
            group=group,
            group_label=group.name,
            target_label=label,
            created_at=when,
        )

    removed(admin_group, "Rahul", weeks_ago(1))
    removed(sales_south, "Priya", weeks_ago(2))
    removed(sales_south, "Pooja", weeks_ago(2))
    removed(sales_south, "Old Timer", weeks_ago(20))
    removed(fabrikam_crew, "Fred", weeks_ago(1))
    # Other verbs about the same groups are not removals.
    AuditEvent.objects.create(
        organization=organization, verb=AuditEvent.Verb.GROUP_ROLE_CHANGED, group=admin_group, created_at=weeks_ago(1)
    )

    attendance = Action.objects.create(organization=organization, name="Attendance", kind=Action.Kind.CHECKLIST)
    survey = Action.objects.create(organization=organization, name="Pulse survey", kind=Action.Kind.SURVEY)
    crm = Connector.objects.create(organization=organization, name="CRM", callback_url="https://crm.example.com/")
    theirs = Action.objects.create(organization=other_organization, name="Their poll", kind=Action.Kind.POLL)
    ActionPublication.objects.create(action=attendance, group=admin_group, published_at=weeks_ago(20))
    ActionPublication.objects.create(action=attendance, group=sales_south, published_at=weeks_ago(0))
    ActionPublication.objects.create(action=survey, group=admin_group, published_at=weeks_ago(1))
    ActionPublication.objects.create(action=theirs, group=admin_group, published_at=weeks_ago(1))
    ConnectorPublication.objects.create(connector=crm, group=sales_south, published_at=weeks_ago(20))

    return {
        "sales_north": admin_group,
        "sales_south": sales_south,
        "fabrikam_crew": fabrikam_crew,
        "attributes": attributes,
    }
