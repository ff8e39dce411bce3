"""Tenant diff: nothing Contoso writes changes anything Fabrikam reads.

Contoso (A) and Fabrikam (B) share people, each organization under names of its own:
the person Contoso calls "Alpha Name" Fabrikam calls "Bravo Name"; Contoso's admin is a
member of Fabrikam (who calls her "Bravo Calls Asha"); one number only Fabrikam has named.
Every name Fabrikam gives starts with "Bravo", so a page of Contoso that shows one is
easy to catch; Contoso's names hold "Alpha" or "Contoso" (its admin is "Asha Admin").

``snapshot_of`` renders everything an organization's admin can read, through the test
client as that admin (every page and download of the organization, the Users list with
all its columns and searches, each person's and each group's pages), and lists the
organization's own rows (memberships with their names and attribute values, groups and
their members, attributes, jobs, list columns, audit events). ``snapshot_of_b`` is
Fabrikam's. Per-request noise (CSRF tokens, CSP nonces, file names stamped with the
time of the request) is normalised away.

``WRITES_OF_A`` lists the writes Contoso's admin can make, each through the real page
(and, for jobs, the service a worker runs, in this process), each checking that it did
change Contoso. One test runs each and compares Fabrikam's snapshots before and after,
page by page, and looks for Fabrikam's names on Contoso's pages.

When a new write path appears (a view or service that changes people, their names,
groups, attributes or jobs), add a row to ``WRITES_OF_A``; when a new page or download
appears, add it to ``pages_of``.
"""

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from actions import services as action_services
from actions.models import ActionPublication
from attributes.models import AttributeDefinition
from audit.models import AuditEvent
from bulk_actions import services as bulk_services
from bulk_actions.models import BulkJob
from connectors.models import ConnectorPublication
from exports import services as export_services
from exports.models import ExportJob
from group_imports import services as group_import_services
from group_imports.models import GroupImportJob
from groups.models import Group, GroupMembership
from imports import services as import_services
from imports.models import ImportJob
from users.models import Organization, OrganizationUser, User, UserListPreference

from .factories import (
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationUserFactory,
    UserFactory,
)

SHARED = "+919700000001"  # Contoso: "Alpha Name", Fabrikam: "Bravo Name"
SHARED_VIA_GROUP = "+919700000002"  # Contoso: only through its group Contoso Field; Fabrikam: an org admin
B_ONLY = "+919700000003"  # only Fabrikam has named this number
NEW = "+919700000004"  # nobody's yet
B_IMPORTED = "+919700000005"  # came into Fabrikam by its own import

# Every name Fabrikam gives holds this; none may ever show on a page of Contoso.
FABRIKAM_MARK = "Bravo"
# Names (and groups) of Contoso; none may ever show on a page of Fabrikam.
CONTOSO_MARKS = ("Alpha", "Contoso", "Asha Admin")


@dataclass
class World:
    a: Organization  # Contoso
    b: Organization  # Fabrikam
    a_admin: User
    b_admin: User
    shared: User
    shared_via_group: User
    b_only: User
    as_a: Client
    as_b: Client
    contoso_sales: Group  # the shared person is a member
    contoso_field: Group  # mapped; the only reason the second shared person is in Contoso
    loose_group: Group  # mapped nowhere; Contoso's admin admins it, shared people are in it
    department: AttributeDefinition  # Contoso's
    level: AttributeDefinition  # Contoso's


@pytest.fixture
def world(organization, other_organization, org_admin, other_org_admin, other_org_member, client_for) -> World:
    a, b = organization, other_organization
    department = AttributeDefinitionFactory(organization=a, name="Department")
    level = AttributeDefinitionFactory(organization=a, name="Level", value_type="number")
    badge = AttributeDefinitionFactory(organization=b, name="Badge")
    shift = AttributeDefinitionFactory(organization=b, name="Shift", value_type="number")

    shared = UserFactory(phone_number=SHARED)
    shared_via_group = UserFactory(phone_number=SHARED_VIA_GROUP)
    b_only = UserFactory(phone_number=B_ONLY)
    OrganizationUserFactory(
        organization=a,
        user=shared,
        name="Alpha Name",
        added_by=org_admin,
        attribute_values={department.key: "Sales", level.key: 2},
    )
    OrganizationUserFactory(organization=a, user=shared_via_group, name="Alpha Via Group", added_directly=False)
    OrganizationUserFactory(
        organization=b,
        user=shared,
        name="Bravo Name",
        added_by=other_org_admin,
        attribute_values={badge.key: "B-7", shift.key: 1},
    )
    # An admin of Fabrikam too, whose columns of Fabrikam's Users list must outlive leaving Contoso.
    OrganizationUserFactory(
        organization=b,
        user=shared_via_group,
        name="Bravo Via Group",
        role=OrganizationUser.Role.ORG_ADMIN,
        added_by=org_admin,
    )
    UserListPreference.objects.create(user=shared_via_group, organization=b, columns=["role", badge.column_key])
    OrganizationUserFactory(
        organization=b, user=b_only, name="Bravo Only", added_by=org_admin, attribute_values={badge.key: "B-3"}
    )
    OrganizationUserFactory(organization=b, user=org_admin, name="Bravo Calls Asha", added_by=other_org_admin)

    contoso_sales = GroupFactory(organization=a, name="Contoso Sales")
    GroupMembershipFactory(group=contoso_sales, user=org_admin, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=contoso_sales, user=shared)
    contoso_field = GroupFactory(organization=a, name="Contoso Field")
    GroupMembershipFactory(group=contoso_field, user=org_admin, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=contoso_field, user=shared_via_group)
    loose_group = GroupFactory(organization=None, name="Loose Crew")
    GroupMembershipFactory(group=loose_group, user=org_admin, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=loose_group, user=shared)
    GroupMembershipFactory(group=loose_group, user=b_only)

    crew = GroupFactory(organization=b, name="Fabrikam Crew")
    GroupMembershipFactory(group=crew, user=other_org_admin, role=GroupMembership.Role.ADMIN)
    for person in (shared, org_admin, b_only):
        GroupMembershipFactory(group=crew, user=person)
    night = GroupFactory(organization=b, name="Fabrikam Night", parent=crew)
    GroupMembershipFactory(group=night, user=shared_via_group, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=night, user=shared)

    # Fabrikam's admin sees every column of the Users list (more than the columns form allows at once).
    UserListPreference.objects.create(
        user=other_org_admin,
        organization=b,
        columns=["added_at", "source", "role", "groups", "added_by", "last_login", badge.column_key, shift.column_key],
    )
    # Something in each of Fabrikam's histories: an import (one row of it rejected) and an export.
    b_import = run_import(
        job_in(b, other_org_admin, f"Name,Phone Number,Badge\nBravo Imported,{B_IMPORTED},B-5\nBravo Bad,12345,\n")
    )
    assert (b_import.status, b_import.created_count, b_import.rejected_count) == (ImportJob.Status.COMPLETED, 1, 1)
    b_export = run_export(export_services.create_export_job(organization=b, requested_by=other_org_admin, scope=""))
    assert b_export.status == ExportJob.Status.COMPLETED
    b_groups = run_group_import(
        group_import_in(b, other_org_admin, f"Group,Phone Number,User Type\nFabrikam Crew,{B_ONLY},member\nX,1,\n")
    )
    assert (b_groups.unchanged_count, b_groups.rejected_count) == (1, 1)

    # Logged in once, before any snapshot: logging in changes a person's "Last login".
    return World(
        a=a,
        b=b,
        a_admin=org_admin,
        b_admin=other_org_admin,
        shared=shared,
        shared_via_group=shared_via_group,
        b_only=b_only,
        as_a=client_for(org_admin),
        as_b=client_for(other_org_admin),
        contoso_sales=contoso_sales,
        contoso_field=contoso_field,
        loose_group=loose_group,
        department=department,
        level=level,
    )


# Jobs, run in this process as a worker would run them ----------------------------------------


def job_in(organization: Organization, uploaded_by: User, content: str) -> ImportJob:
    """An uploaded file's import job, as ``tests/imports`` make them."""
    job = ImportJob(
        organization=organization,
        uploaded_by=uploaded_by,
        file_name="people.csv",
        file_format="csv",
        token=f"tenant-diff-{ImportJob.objects.count()}",
        queued_at=timezone.now(),
    )
    job.file.save(job.file_name, ContentFile(content.encode()), save=False)
    job.save()
    return job


def run_import(job: ImportJob) -> ImportJob:
    import_services.run_import(job_id=job.pk, run_id="tenant-diff")
    job.refresh_from_db()
    return job


def group_import_in(
    organization: Organization, uploaded_by: User, content: str, kind=GroupImportJob.Kind.USER_MAPPING
) -> GroupImportJob:
    job = GroupImportJob(
        organization=organization,
        uploaded_by=uploaded_by,
        kind=kind,
        file_name="groups.csv",
        token=f"tenant-diff-groups-{GroupImportJob.objects.count()}",
        queued_at=timezone.now(),
    )
    job.file.save(job.file_name, ContentFile(content.encode()), save=False)
    job.save()
    return job


def run_group_import(job: GroupImportJob) -> GroupImportJob:
    group_import_services.run_job(job_id=job.pk, run_id="tenant-diff")
    job.refresh_from_db()
    return job


def run_export(job: ExportJob) -> ExportJob:
    # As if the broker took its task (on-commit hooks do not run in these tests).
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    export_services.run_export(job_id=job.pk, run_id="tenant-diff")
    job.refresh_from_db()
    return job


# Reading: what an organization's admin sees -------------------------------------------------

ORGANIZATION_PAGES = [
    "users:list",
    "users:add",
    "users:columns",
    "attributes:change",
    "groups:list",
    "groups:hierarchy",
    "settings:groups",
    "settings:create_group",
    "settings:time_zone",
    "imports:history",
    "imports:upload",
    "imports:template",
    "exports:history",
    "exports:create",
    "bulk_actions:history",
    "group_imports:history",
    "group_imports:upload_user_mapping",
    "group_imports:upload_parent_mapping",
    "audit:log",
    "audit:download",
    "reports:index",
    "reports:members_csv",
    "reports:activity_csv",
    "reports:attributes_csv",
    "reports:publications_csv",
    "reports:jobs_csv",
    "actions:list",
    "connectors:list",
]
# The Users list as searched and sorted: a shared person by number, and by either organization's names.
LIST_QUERIES = [
    f"q={SHARED}",
    "q=97000 00001",
    "q=Alpha Name",
    "q=Renamed By Contoso",
    "q=Bravo",
    "sort=added_by",
    "sort=-name",
]


def url(name: str, organization: Organization, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def pages_of(organization: Organization) -> dict[str, str]:
    """Page name -> URL: every page and download of the organization its admin can open."""
    pages = {name: url(name, organization) for name in ORGANIZATION_PAGES}
    pages |= {f"users:list?{query}": f"{url('users:list', organization)}?{query}" for query in LIST_QUERIES}
    memberships = OrganizationUser.objects.filter(organization=organization).select_related("user")
    for membership in memberships.order_by("user__phone_number"):
        person = {"user_id": membership.user_id}
        phone = membership.user.phone_number
        pages[f"users:detail {phone}"] = url("users:detail", organization, **person)
        pages[f"attributes:edit_values {phone}"] = url("attributes:edit_values", organization, **person)
        pages[f"users:delete {phone}"] = url("users:delete", organization, **person)
    for group in Group.objects.filter(organization=organization).order_by("name", "pk"):
        pages[f"settings:unmap_group {group.name}"] = url("settings:unmap_group", organization, group_id=group.pk)
        pages[f"groups:detail {group.name}"] = url("groups:detail", organization, group_id=group.pk)
        pages[f"groups:move {group.name}"] = url("groups:move", organization, group_id=group.pk)
        pages[f"groups:rename {group.name}"] = url("groups:rename", organization, group_id=group.pk)
        pages[f"groups:delete {group.name}"] = url("groups:delete", organization, group_id=group.pk)
        pages[f"groups:rule {group.name}"] = url("groups:rule", organization, group_id=group.pk)
        if group.rule is not None:
            continue  # a dynamic group's members are not added or removed by hand: those pages send back to it
        pages[f"groups:add_members {group.name}"] = url("groups:add_members", organization, group_id=group.pk)
        for membership in group.memberships.select_related("user").order_by("user__phone_number"):
            pages[f"groups:remove_member {group.name} {membership.user.phone_number}"] = url(
                "groups:remove_member", organization, group_id=group.pk, user_id=membership.user_id
            )
    for job in ImportJob.objects.filter(organization=organization).order_by("pk"):
        pages[f"imports:original {job.pk}"] = url("imports:original", organization, job_id=job.pk)
        if job.rejected_count or job.failure_reason:
            pages[f"imports:errors {job.pk}"] = url("imports:errors", organization, job_id=job.pk)
    for job in ExportJob.objects.filter(organization=organization, status=ExportJob.Status.COMPLETED).order_by("pk"):
        pages[f"exports:download {job.pk}"] = url("exports:download", organization, job_id=job.pk)
    for job in GroupImportJob.objects.filter(organization=organization).order_by("pk"):
        pages[f"group_imports:original {job.pk}"] = url("group_imports:original", organization, job_id=job.pk)
        if job.has_error_log:
            pages[f"group_imports:errors {job.pk}"] = url("group_imports:errors", organization, job_id=job.pk)
    for job in BulkJob.objects.filter(organization=organization).order_by("pk"):
        pages[f"bulk_actions:report {job.pk}"] = url("bulk_actions:report", organization, job_id=job.pk)
    for job in ExportJob.objects.filter(organization=organization).exclude(error_log="").order_by("pk"):
        pages[f"exports:errors {job.pk}"] = url("exports:errors", organization, job_id=job.pk)
    return pages


NOISE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1…"),
    (re.compile(r'(nonce=")[^"]*'), r"\1…"),
    # File names stamped with the time of the request (the audit log's download, say).
    (re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}"), "<time>"),
]


def normalised(text: str) -> str:
    for pattern, replacement in NOISE:
        text = pattern.sub(replacement, text)
    return text


def read(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    # The test client closes a streamed download once it is read whole.
    return normalised(response.getvalue().decode("utf-8-sig"))


def rows(queryset, *fields: str) -> str:
    """One line per row: a diff of two of these says which rows changed and how."""
    return "\n".join(json.dumps(row, sort_keys=True, default=str) for row in queryset.values(*fields))


def rows_of(organization: Organization) -> dict[str, str]:
    """The organization's own rows, as they stand in the database."""
    org = {"organization": organization}
    return {
        "rows: organization": rows(
            Organization.objects.filter(pk=organization.pk), "name", "slug", "default_region", "time_zone"
        ),
        "rows: memberships": rows(
            OrganizationUser.objects.filter(**org).order_by("user__phone_number"),
            "user__phone_number",
            "name",
            "role",
            "added_directly",
            "added_by__phone_number",
            "added_at",
            "attribute_values",
            "last_import_job_id",
            "last_import_row",
        ),
        "rows: groups": rows(Group.objects.filter(**org).order_by("pk"), "pk", "name", "parent__name"),
        "rows: group memberships": rows(
            GroupMembership.objects.filter(group__organization=organization).order_by("group_id", "user_id"),
            "group__name",
            "user__phone_number",
            "role",
        ),
        "rows: attributes": rows(
            AttributeDefinition.objects.filter(**org).order_by("pk"),
            "pk",
            "name",
            "value_type",
            "mandatory",
            "position",
        ),
        "rows: list columns": rows(
            UserListPreference.objects.filter(**org).order_by("pk"), "user__phone_number", "columns"
        ),
        "rows: import jobs": rows(
            ImportJob.objects.filter(**org).order_by("pk"),
            "pk",
            "status",
            "uploaded_by__phone_number",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
        ),
        "rows: export jobs": rows(
            ExportJob.objects.filter(**org).order_by("pk"), "pk", "status", "requested_by__phone_number", "file_name"
        ),
        # Contoso's Actions and Connectors published in the organization's groups would show here too.
        "rows: publications in its groups": "\n".join(
            [
                rows(
                    ActionPublication.objects.filter(group__organization=organization).order_by("pk"),
                    "action__name",
                    "group__name",
                    "published_by__phone_number",
                ),
                rows(
                    ConnectorPublication.objects.filter(group__organization=organization).order_by("pk"),
                    "connector__name",
                    "group__name",
                    "published_by__phone_number",
                ),
            ]
        ),
        "rows: bulk jobs": rows(
            BulkJob.objects.filter(**org).order_by("pk"),
            "pk",
            "kind",
            "status",
            "requested_by__phone_number",
            "group_name",
            "done_count",
            "skipped_count",
            "refused_count",
        ),
        "rows: group uploads": rows(
            GroupImportJob.objects.filter(**org).order_by("pk"),
            "pk",
            "kind",
            "status",
            "uploaded_by__phone_number",
            "added_count",
            "updated_count",
            "unchanged_count",
            "moved_count",
            "ignored_count",
            "rejected_count",
        ),
        "rows: audit events": rows(
            AuditEvent.objects.filter(**org).order_by("pk"),
            "pk",
            "verb",
            "actor__phone_number",
            "actor_label",
            "target__phone_number",
            "target_label",
            "group_label",
            "details",
            "created_at",
        ),
    }


def snapshot_of(organization: Organization, client: Client) -> dict[str, str]:
    """Page (or table) name -> what the organization's admin reads there, noise normalised."""
    snapshot = {name: read(client, path) for name, path in pages_of(organization).items()}
    return snapshot | rows_of(organization)


def snapshot_of_b(world: World) -> dict[str, str]:
    return snapshot_of(world.b, world.as_b)


def snapshot_of_a(world: World) -> dict[str, str]:
    return snapshot_of(world.a, world.as_a)


def assert_unchanged(before: dict[str, str], after: dict[str, str], whose: str) -> None:
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        diffs = [
            "\n".join(
                difflib.unified_diff(
                    before.get(name, "(none)").splitlines(),
                    after.get(name, "(none)").splitlines(),
                    f"{name} (before)",
                    f"{name} (after)",
                    lineterm="",
                    n=1,
                )
            )
            for name in changed
        ]
        pytest.fail(f"{whose} changed: {', '.join(changed)}\n\n" + "\n\n".join(diffs), pytrace=False)


def places_showing(snapshot: dict[str, str], marks: tuple[str, ...]) -> dict[str, list[str]]:
    """Page name -> the lines of it holding any of ``marks``.

    A page whose address holds a mark (a search for that name) echoes it back: not a leak.
    """
    found = {}
    for name, text in snapshot.items():
        if any(mark in name for mark in marks):
            continue
        lines = [line.strip() for line in text.splitlines() if any(mark in line for mark in marks)]
        if lines:
            found[name] = lines
    return found


# Writing: what Contoso's admin can change ---------------------------------------------------


def name_in(organization: Organization, phone_number: str) -> str | None:
    """The organization's name for the person with this number; None when they are not its user."""
    membership = OrganizationUser.objects.filter(organization=organization, user__phone_number=phone_number).first()
    return None if membership is None else membership.name


def submit(client: Client, path: str, data: dict, *, expect: int = 302):
    response = client.post(path, data)
    assert response.status_code == expect, f"POST {path} answered {response.status_code}"
    return response


def add_one_user_with_a_name(w: World) -> None:
    data = {
        "add_one": "1",
        "one-name": "Contoso Newcomer",
        "one-phone_number": NEW,
        f"one-attr_{w.department.pk}": "Ops",
    }
    submit(w.as_a, url("users:add", w.a), data)
    assert name_in(w.a, NEW) == "Contoso Newcomer"


def add_one_user_only_fabrikam_has_named(w: World) -> None:
    submit(w.as_a, url("users:add", w.a), {"add_one": "1", "one-name": "Contoso Calls Bo", "one-phone_number": B_ONLY})
    assert name_in(w.a, B_ONLY) == "Contoso Calls Bo"


def add_a_list_of_numbers_with_shared_ones(w: World) -> None:
    data = {"add_list": "1", "list-phone_numbers": f"{SHARED}, {B_ONLY}\n{NEW}"}
    response = submit(w.as_a, url("users:add", w.a), data, expect=200)  # the shared person is already in Contoso
    assert "is already in Contoso" in response.content.decode()
    assert (name_in(w.a, B_ONLY), name_in(w.a, NEW)) == ("", "")


def edit_person(w: World, user: User, *, name: str, values: dict[AttributeDefinition, str]) -> None:
    """Save the Edit page of a person of Contoso, as opened just before."""
    path = url("attributes:edit_values", w.a, user_id=user.pk)
    page = w.as_a.get(path)
    data = {**page.context["form"].initial, "name": name, "version": page.context["profile_form"].initial["version"]}
    data |= {f"attr_{definition.pk}": value for definition, value in values.items()}
    submit(w.as_a, path, data)
    assert name_in(w.a, user.phone_number) == name


def edit_a_shared_persons_name_and_attributes(w: World) -> None:
    edit_person(w, w.shared, name="Alpha Renamed", values={w.department: "Marketing", w.level: "7"})


def rename_contosos_admin_whom_fabrikam_also_names(w: World) -> None:
    edit_person(w, w.a_admin, name="Alpha Asha", values={w.department: "Head office"})


def remove_a_shared_person_from_contoso(w: World) -> None:
    submit(w.as_a, url("users:delete", w.a, user_id=w.shared.pk), {})
    assert name_in(w.a, SHARED) is None


def remove_from_contoso_a_person_who_admins_fabrikam(w: World) -> None:
    submit(w.as_a, url("users:delete", w.a, user_id=w.shared_via_group.pk), {})
    assert name_in(w.a, SHARED_VIA_GROUP) is None


def add_shared_numbers_to_a_group(w: World) -> None:
    path = url("groups:add_members", w.a, group_id=w.contoso_field.pk)
    submit(w.as_a, path, {"phone_numbers": f"{SHARED}, {B_ONLY}, {NEW}"})
    assert w.contoso_field.memberships.filter(user__phone_number__in=[SHARED, B_ONLY, NEW]).count() == 3
    assert (name_in(w.a, B_ONLY), name_in(w.a, NEW)) == ("", "")


def create_a_group_a_shared_person_admins(w: World) -> None:
    data = {"name": "Contoso Night", "parent": "", "admin_phone_number": SHARED}
    submit(w.as_a, url("settings:create_group", w.a), data)
    group = Group.objects.get(organization=w.a, name="Contoso Night")
    assert group.memberships.get(role=GroupMembership.Role.ADMIN).user == w.shared


def create_a_group_a_number_only_fabrikam_named_admins(w: World) -> None:
    data = {"name": "Contoso Dawn", "parent": w.contoso_sales.pk, "admin_phone_number": B_ONLY}
    submit(w.as_a, url("settings:create_group", w.a), data)
    assert Group.objects.get(organization=w.a, name="Contoso Dawn").memberships.get().user == w.b_only
    assert name_in(w.a, B_ONLY) == ""


def remove_a_shared_person_from_a_group(w: World) -> None:
    submit(w.as_a, url("groups:remove_member", w.a, group_id=w.contoso_sales.pk, user_id=w.shared.pk), {})
    assert not w.contoso_sales.memberships.filter(user=w.shared).exists()
    assert name_in(w.a, SHARED) == "Alpha Name"  # added directly: still in Contoso


def remove_from_a_group_a_shared_person_who_then_leaves_contoso(w: World) -> None:
    path = url("groups:remove_member", w.a, group_id=w.contoso_field.pk, user_id=w.shared_via_group.pk)
    submit(w.as_a, path, {})
    assert name_in(w.a, SHARED_VIA_GROUP) is None


def make_a_shared_person_a_group_admin(w: World) -> None:
    path = url("groups:change_role", w.a, group_id=w.contoso_sales.pk, user_id=w.shared.pk)
    submit(w.as_a, path, {"role": GroupMembership.Role.ADMIN})
    assert w.contoso_sales.memberships.get(user=w.shared).role == GroupMembership.Role.ADMIN


def make_a_shared_person_an_org_admin(w: World) -> None:
    submit(w.as_a, url("users:make_org_admin", w.a, user_id=w.shared.pk), {})
    assert OrganizationUser.objects.get(organization=w.a, user=w.shared).role == OrganizationUser.Role.ORG_ADMIN


def revoke_contoso_admin_role_of_a_person_who_admins_fabrikam(w: World) -> None:
    path = url("users:make_org_admin", w.a, user_id=w.shared_via_group.pk)
    submit(w.as_a, path, {})
    path = url("users:revoke_org_admin", w.a, user_id=w.shared_via_group.pk)
    asked = submit(w.as_a, path, {}, expect=200)
    assert "Remove Alpha Via Group as organization admin of Contoso?" in asked.content.decode()
    submit(w.as_a, path, {"confirm": "1"})
    membership = OrganizationUser.objects.get(organization=w.a, user=w.shared_via_group)
    assert membership.role == OrganizationUser.Role.MEMBER


def map_a_group_of_shared_people(w: World) -> None:
    submit(w.as_a, url("settings:map_group", w.a, group_id=w.loose_group.pk), {})
    w.loose_group.refresh_from_db()
    assert w.loose_group.organization == w.a
    assert name_in(w.a, B_ONLY) == ""


def map_a_group_after_reading_who_joins(w: World) -> None:
    path = url("settings:map_group", w.a, group_id=w.loose_group.pk)
    confirm = read(w.as_a, path)
    assert "1 person will join Contoso" in confirm and "+91 97000 00003" in confirm
    submit(w.as_a, path, {})
    assert name_in(w.a, B_ONLY) == ""


def rename_a_group_of_shared_people(w: World) -> None:
    path = url("groups:rename", w.a, group_id=w.contoso_sales.pk)
    version = w.as_a.get(path).context["form"].initial["version"]
    submit(w.as_a, path, {"name": "Contoso Sellers", "version": version})
    w.contoso_sales.refresh_from_db()
    assert w.contoso_sales.name == "Contoso Sellers"


def delete_a_group_whose_only_member_of_contoso_admins_fabrikam(w: World) -> None:
    path = url("groups:delete", w.a, group_id=w.contoso_field.pk)
    assert "1 user will leave Contoso" in read(w.as_a, path)
    submit(w.as_a, path, {})
    assert not Group.objects.filter(pk=w.contoso_field.pk).exists()
    assert name_in(w.a, SHARED_VIA_GROUP) is None


def unmap_a_group_of_shared_people(w: World) -> None:
    submit(w.as_a, url("settings:unmap_group", w.a, group_id=w.contoso_field.pk), {})
    w.contoso_field.refresh_from_db()
    assert w.contoso_field.organization is None
    assert name_in(w.a, SHARED_VIA_GROUP) is None


def move_a_group(w: World) -> None:
    submit(w.as_a, url("groups:move", w.a, group_id=w.contoso_sales.pk), {"parent": w.contoso_field.pk})
    w.contoso_sales.refresh_from_db()
    assert w.contoso_sales.parent == w.contoso_field


def attributes_form(rows: list[dict]) -> dict:
    """The Change Attributes page's formset, submitted with these rows in this order."""
    data = {
        "attributes-TOTAL_FORMS": len(rows),
        "attributes-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
        "attributes-MIN_NUM_FORMS": 0,
        "attributes-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        fields = {"id": "", "suggestion": "", "value_type": "string", "ORDER": index + 1} | row
        data |= {f"attributes-{index}-{field}": value for field, value in fields.items()}
    return data


def change_attribute_definitions(w: World) -> None:
    rows = [
        {"id": w.department.pk, "name": "Team"},
        {"id": w.level.pk, "name": "Level"},  # from number to text: every value converted
        {"name": "Badge"},  # a name Fabrikam's attributes have too
    ]
    submit(w.as_a, url("attributes:change", w.a), attributes_form(rows))
    definitions = AttributeDefinition.objects.filter(organization=w.a).order_by("position")
    assert [(d.name, d.value_type) for d in definitions] == [
        ("Team", "string"),
        ("Level", "string"),
        ("Badge", "string"),
    ]


def remove_an_attribute_holding_values(w: World) -> None:
    rows = [
        {"id": w.department.pk, "name": "Department", "DELETE": "on"},
        {"id": w.level.pk, "name": "Level", "value_type": "number"},
    ]
    submit(w.as_a, url("attributes:change", w.a), attributes_form(rows) | {"confirm_removal": "1"})
    assert not AttributeDefinition.objects.filter(pk=w.department.pk).exists()


def import_a_file_renaming_shared_people(w: World) -> None:
    job = run_import(
        job_in(
            w.a,
            w.a_admin,
            "Name,Phone Number,Department\n"
            f"Renamed By Contoso,{SHARED},Ops\n"
            f"Contoso Imports Bo,{B_ONLY},\n"
            f"Contoso Via Import,{SHARED_VIA_GROUP},Field\n",
        )
    )
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.COMPLETED, 1, 2)
    assert (name_in(w.a, SHARED), name_in(w.a, B_ONLY)) == ("Renamed By Contoso", "Contoso Imports Bo")


def upload_a_file_on_the_import_page_and_run_it(w: World) -> None:
    upload = SimpleUploadedFile("people.csv", f"Name,Phone Number\nContoso Upload Name,{SHARED}\n".encode())
    submit(w.as_a, url("imports:upload", w.a), {"file": upload})
    job = run_import(ImportJob.objects.filter(organization=w.a).latest("pk"))
    assert job.status == ImportJob.Status.COMPLETED
    assert name_in(w.a, SHARED) == "Contoso Upload Name"


def upload_a_user_group_mapping_of_shared_numbers_and_run_it(w: World) -> None:
    content = (
        "Group,Phone Number,User Type\n"
        f"Contoso Sales,{SHARED},admin\n"
        f"Contoso Sales,{B_ONLY},member\n"
        f"Contoso Field,{SHARED_VIA_GROUP},admin\n"
        f"Fabrikam Crew,{NEW},\n"  # Contoso has no such group: its own is made
        f"Contoso Field / Night,{SHARED},member\n"
    )
    submit(
        w.as_a, url("group_imports:upload_user_mapping", w.a), {"file": SimpleUploadedFile("g.csv", content.encode())}
    )
    job = run_group_import(GroupImportJob.objects.filter(organization=w.a).latest("pk"))
    assert (job.status, job.groups_created_count, job.added_count, job.updated_count) == ("completed", 2, 3, 2)
    assert name_in(w.a, B_ONLY) == ""


def upload_a_parent_group_mapping_naming_fabrikams_groups(w: World) -> None:
    content = "Child Group,Parent Group\nContoso Field,Contoso Sales\nFabrikam Night,Contoso Sales\n"
    job = run_group_import(group_import_in(w.a, w.a_admin, content, kind=GroupImportJob.Kind.PARENT_MAPPING))
    assert (job.moved_count, job.ignored_count) == (1, 1)


def export_every_user(w: World) -> None:
    submit(w.as_a, url("exports:create", w.a), {"users": "everyone"})
    assert run_export(ExportJob.objects.filter(organization=w.a).latest("pk")).status == ExportJob.Status.COMPLETED


def export_a_search_for_a_shared_person(w: World) -> None:
    submit(w.as_a, f"{url('exports:create', w.a)}?q={SHARED}", {"users": "matching"})
    job = run_export(ExportJob.objects.filter(organization=w.a).latest("pk"))
    assert job.status == ExportJob.Status.COMPLETED and job.total_rows == 1


def export_that_fails_and_keeps_its_error_log(w: World) -> None:
    submit(w.as_a, url("exports:create", w.a), {"users": "everyone"})
    job = ExportJob.objects.filter(organization=w.a).latest("pk")
    # Its requester may no longer export when a worker runs it: a real failure, with a log of why.
    OrganizationUser.objects.filter(organization=w.a, user=w.a_admin).update(role=OrganizationUser.Role.MEMBER)
    job = run_export(job)
    OrganizationUser.objects.filter(organization=w.a, user=w.a_admin).update(role=OrganizationUser.Role.ORG_ADMIN)
    assert job.status == ExportJob.Status.FAILED and job.error_log


def import_clearing_a_shared_persons_name_and_value(w: World) -> None:
    job = run_import(job_in(w.a, w.a_admin, f"Name,Phone Number,Level\n#CLEAR,{SHARED},#CLEAR\n"))
    assert (job.status, job.updated_count) == (ImportJob.Status.COMPLETED, 1)
    assert name_in(w.a, SHARED) == ""
    shared = OrganizationUser.objects.get(organization=w.a, user__phone_number=SHARED)
    assert shared.attribute_values == {w.department.key: "Sales"}


def choose_list_columns(w: World) -> None:
    submit(w.as_a, url("users:columns", w.a), {"columns": ["added_by", "groups", w.level.column_key]})
    assert UserListPreference.objects.get(user=w.a_admin, organization=w.a).columns[0] == "added_by"


def publish_an_action_to_several_groups_and_their_sub_groups(w: World) -> None:
    """Contoso's own Action, to both its groups and the one under Contoso Sales, through the publish form."""
    poll = action_services.create_action(organization=w.a, created_by=w.a_admin, name="Contoso Poll", kind="poll")
    east = GroupFactory(organization=w.a, name="Contoso Sales East", parent=w.contoso_sales)
    data = {"group": [w.contoso_sales.pk, w.contoso_field.pk], "include_subgroups": "on"}
    submit(w.as_a, url("actions:publish", w.a, action_id=poll.pk), data)
    published = ActionPublication.objects.filter(action=poll).values_list("group", flat=True)
    assert sorted(published) == sorted([w.contoso_sales.pk, w.contoso_field.pk, east.pk])


def set_the_time_zone(w: World) -> None:
    """Every time on Contoso's pages and files moves; none of Fabrikam's may."""
    submit(w.as_a, url("settings:time_zone", w.a), {"time_zone": "Pacific/Kiritimati"})
    w.a.refresh_from_db()
    assert w.a.time_zone == "Pacific/Kiritimati"


def rename_oneself_on_the_account_page(w: World) -> None:
    """Not Contoso's write but its admin's own: a name no organization shows."""
    submit(w.as_a, reverse("account"), {"own_name": "Asha Herself"})
    w.a_admin.refresh_from_db()
    assert w.a_admin.own_name == "Asha Herself"


def bulk_delete_chosen_shared_people(w: World) -> None:
    response = submit(w.as_a, url("bulk_actions:delete", w.a), {"user": [w.shared.pk, w.shared_via_group.pk]})
    assert response["Location"] == url("bulk_actions:history", w.a)
    assert (name_in(w.a, SHARED), name_in(w.a, SHARED_VIA_GROUP)) == (None, None)


def bulk_delete_in_a_worker(w: World) -> None:
    with override_settings(BULK_ACTIONS_IN_REQUEST_UP_TO=0):
        submit(w.as_a, url("bulk_actions:delete", w.a), {"q": "Alpha", "all": "1"})
    job = BulkJob.objects.get(organization=w.a)
    bulk_services.run_bulk_job(job_id=job.pk, run_id="tenant-diff")
    job.refresh_from_db()
    assert (job.status, job.done_count) == (BulkJob.Status.COMPLETED, 2)
    assert name_in(w.a, SHARED) is None


def bulk_add_all_matching_a_search_to_a_group(w: World) -> None:
    data = {"q": "Alpha", "all": "1", "group": w.contoso_field.pk}
    submit(w.as_a, url("bulk_actions:add_to_group", w.a), data)
    assert w.contoso_field.memberships.filter(user=w.shared).exists()
    assert BulkJob.objects.get(organization=w.a).skipped_count == 1  # Alpha Via Group is in it already


def bulk_remove_from_a_group_who_then_leaves_contoso(w: World) -> None:
    data = {"user": [w.shared_via_group.pk, w.shared.pk, w.b_only.pk], "group": w.contoso_field.pk}
    submit(w.as_a, url("bulk_actions:remove_from_group", w.a), data)
    assert name_in(w.a, SHARED_VIA_GROUP) is None
    assert BulkJob.objects.get(organization=w.a).skipped_count == 1  # the shared person was not in it


def bulk_export_chosen_people(w: World) -> None:
    # The number only Fabrikam has is no user of Contoso: chosen by a forged id, it is left out.
    submit(w.as_a, url("bulk_actions:export", w.a), {"user": [w.shared.pk, w.b_only.pk]})
    job = run_export(ExportJob.objects.filter(organization=w.a).latest("pk"))
    assert job.status == ExportJob.Status.COMPLETED and job.total_rows == 1


DEPARTMENT_IS_SALES = {
    "match": "all",
    "condition-TOTAL_FORMS": "1",
    "condition-INITIAL_FORMS": "0",
    "condition-0-operator": "equals",
    "condition-0-value": "Sales",
    "save": "1",
}


def make_a_group_dynamic_whose_member_then_leaves_contoso(w: World) -> None:
    """The shared person (Sales) joins Contoso Field; the one who came only through it leaves Contoso, not Fabrikam."""
    data = DEPARTMENT_IS_SALES | {"condition-0-attribute": str(w.department.pk)}
    submit(w.as_a, url("groups:rule", w.a, group_id=w.contoso_field.pk), data)
    assert GroupMembership.objects.filter(group=w.contoso_field, user=w.shared).exists()
    assert name_in(w.a, SHARED_VIA_GROUP) is None


def import_moving_a_shared_person_out_of_a_dynamic_group(w: World) -> None:
    data = DEPARTMENT_IS_SALES | {"condition-0-attribute": str(w.department.pk)}
    submit(w.as_a, url("groups:rule", w.a, group_id=w.contoso_sales.pk), data)
    job = run_import(job_in(w.a, w.a_admin, f"Name,Phone Number,Department\nAlpha Name,{SHARED},Ops\n"))
    assert job.status == ImportJob.Status.COMPLETED
    assert not GroupMembership.objects.filter(group=w.contoso_sales, user=w.shared).exists()


def make_a_dynamic_group_ordinary_again(w: World) -> None:
    data = DEPARTMENT_IS_SALES | {"condition-0-attribute": str(w.department.pk)}
    submit(w.as_a, url("groups:rule", w.a, group_id=w.contoso_sales.pk), data)
    submit(w.as_a, url("groups:clear_rule", w.a, group_id=w.contoso_sales.pk), {})
    assert Group.objects.get(pk=w.contoso_sales.pk).rule is None


WRITES_OF_A: list[tuple[str, Callable[[World], None]]] = [
    ("make-a-group-dynamic-whose-member-leaves-contoso", make_a_group_dynamic_whose_member_then_leaves_contoso),
    ("import-moving-a-shared-person-out-of-a-dynamic-group", import_moving_a_shared_person_out_of_a_dynamic_group),
    ("make-a-dynamic-group-ordinary-again", make_a_dynamic_group_ordinary_again),
    ("add-one-user-with-a-name", add_one_user_with_a_name),
    ("add-one-user-only-fabrikam-named", add_one_user_only_fabrikam_has_named),
    ("add-a-list-with-shared-numbers", add_a_list_of_numbers_with_shared_ones),
    ("edit-a-shared-persons-name-and-attributes", edit_a_shared_persons_name_and_attributes),
    ("rename-contosos-admin-whom-fabrikam-names", rename_contosos_admin_whom_fabrikam_also_names),
    ("delete-a-shared-person", remove_a_shared_person_from_contoso),
    ("delete-a-person-who-admins-fabrikam", remove_from_contoso_a_person_who_admins_fabrikam),
    ("group-add-members-with-shared-numbers", add_shared_numbers_to_a_group),
    ("create-a-group-a-shared-person-admins", create_a_group_a_shared_person_admins),
    ("create-a-group-a-fabrikam-only-number-admins", create_a_group_a_number_only_fabrikam_named_admins),
    ("remove-a-shared-person-from-a-group", remove_a_shared_person_from_a_group),
    ("remove-from-a-group-who-then-leaves-contoso", remove_from_a_group_a_shared_person_who_then_leaves_contoso),
    ("make-a-shared-person-a-group-admin", make_a_shared_person_a_group_admin),
    ("make-a-shared-person-an-org-admin", make_a_shared_person_an_org_admin),
    ("revoke-org-admin-of-a-person-who-admins-fabrikam", revoke_contoso_admin_role_of_a_person_who_admins_fabrikam),
    ("map-a-group-of-shared-people", map_a_group_of_shared_people),
    ("map-a-group-after-reading-who-joins", map_a_group_after_reading_who_joins),
    ("unmap-a-group-of-shared-people", unmap_a_group_of_shared_people),
    ("rename-a-group-of-shared-people", rename_a_group_of_shared_people),
    (
        "delete-a-group-whose-only-contoso-member-admins-fabrikam",
        delete_a_group_whose_only_member_of_contoso_admins_fabrikam,
    ),
    ("move-a-group", move_a_group),
    ("change-attribute-definitions", change_attribute_definitions),
    ("remove-an-attribute-holding-values", remove_an_attribute_holding_values),
    ("import-renaming-shared-people", import_a_file_renaming_shared_people),
    ("import-uploaded-on-the-page", upload_a_file_on_the_import_page_and_run_it),
    ("group-user-mapping-of-shared-numbers", upload_a_user_group_mapping_of_shared_numbers_and_run_it),
    ("group-parent-mapping-naming-fabrikams-groups", upload_a_parent_group_mapping_naming_fabrikams_groups),
    ("export-every-user", export_every_user),
    ("export-a-search-for-a-shared-person", export_a_search_for_a_shared_person),
    ("bulk-delete-chosen-shared-people", bulk_delete_chosen_shared_people),
    ("bulk-delete-in-a-worker", bulk_delete_in_a_worker),
    ("bulk-add-all-matching-a-search-to-a-group", bulk_add_all_matching_a_search_to_a_group),
    ("bulk-remove-from-a-group-who-then-leaves-contoso", bulk_remove_from_a_group_who_then_leaves_contoso),
    ("bulk-export-chosen-people", bulk_export_chosen_people),
    ("export-that-fails-with-an-error-log", export_that_fails_and_keeps_its_error_log),
    ("import-clearing-a-shared-persons-name-and-value", import_clearing_a_shared_persons_name_and_value),
    ("choose-list-columns", choose_list_columns),
    ("set-the-time-zone", set_the_time_zone),
    ("rename-oneself-on-the-account-page", rename_oneself_on_the_account_page),
    ("publish-an-action-to-several-groups", publish_an_action_to_several_groups_and_their_sub_groups),
]


# The tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("write", [write for _, write in WRITES_OF_A], ids=[name for name, _ in WRITES_OF_A])
def test_a_write_of_contoso_changes_nothing_fabrikam_reads(world, write):
    before = snapshot_of_b(world)
    last_event = AuditEvent.objects.filter(organization=world.b).order_by("pk").last()

    write(world)

    new_events = AuditEvent.objects.filter(organization=world.b, pk__gt=last_event.pk)
    assert not new_events.exists(), f"Fabrikam's audit log got {list(new_events.values_list('verb', flat=True))}"
    assert_unchanged(before, snapshot_of_b(world), "What Fabrikam reads")
    assert places_showing(snapshot_of_a(world), (FABRIKAM_MARK,)) == {}, "Contoso shows names Fabrikam gave"


def test_neither_organization_shows_the_other_ones_names(world):
    """Where the diff cannot look: a name that leaked before any write would be in both snapshots."""
    assert places_showing(snapshot_of_b(world), CONTOSO_MARKS) == {}
    assert places_showing(snapshot_of_a(world), (FABRIKAM_MARK,)) == {}


def test_fabrikam_finds_a_shared_person_by_number_and_its_own_name_never_by_contosos(world):
    list_url = url("users:list", world.b)
    for query in (SHARED, "97000 00001", "Bravo Name"):
        assert "Bravo Name" in read(world.as_b, f"{list_url}?q={query}"), query
    assert "+91 97000 00001" not in read(world.as_b, f"{list_url}?q=Alpha Name")


def test_the_issue_an_import_in_contoso_renaming_a_shared_person_leaves_fabrikam_unchanged(world):
    fabrikam_pages = {
        "list": url("users:list", world.b),
        "detail": url("users:detail", world.b, user_id=world.shared.pk),
    }
    before = {page: read(world.as_b, path) for page, path in fabrikam_pages.items()}
    assert all("Bravo Name" in text for text in before.values())

    job = run_import(job_in(world.a, world.a_admin, f"Name,Phone Number\nRenamed By Contoso,{SHARED}\n"))

    assert (job.status, job.updated_count) == (ImportJob.Status.COMPLETED, 1)
    assert_unchanged(before, {page: read(world.as_b, path) for page, path in fabrikam_pages.items()}, "Fabrikam")
    assert (name_in(world.a, SHARED), name_in(world.b, SHARED)) == ("Renamed By Contoso", "Bravo Name")
    assert "Renamed By Contoso" in read(world.as_a, url("users:list", world.a))


def landing_page(client: Client, path: str, data: dict) -> str:
    """What the admin sees after submitting: the page's result, or where it redirects, with its message."""
    response = client.post(path, data, follow=True)
    assert response.status_code == 200, f"POST {path} ended on {response.status_code}"
    return response.content.decode()


def add_b_only_on_the_add_page(w: World) -> str:
    # With a number already in Contoso, so that the page shows its result rather than redirecting.
    return landing_page(w.as_a, url("users:add", w.a), {"add_list": "1", "list-phone_numbers": f"{B_ONLY}, {SHARED}"})


def add_b_only_to_a_group(w: World) -> str:
    # The shared person is in the group already: the page shows its result.
    path = url("groups:add_members", w.a, group_id=w.contoso_sales.pk)
    return landing_page(w.as_a, path, {"phone_numbers": f"{B_ONLY}, {SHARED}"})


def add_b_only_by_mapping_a_group(w: World) -> str:
    return landing_page(w.as_a, url("settings:map_group", w.a, group_id=w.loose_group.pk), {})


def add_b_only_as_a_new_groups_admin(w: World) -> str:
    data = {"name": "Contoso Dawn", "parent": "", "admin_phone_number": B_ONLY}
    return landing_page(w.as_a, url("settings:create_group", w.a), data)


@pytest.mark.parametrize(
    "add",
    [
        add_b_only_on_the_add_page,
        add_b_only_to_a_group,
        add_b_only_by_mapping_a_group,
        add_b_only_as_a_new_groups_admin,
    ],
    ids=["add-page", "group-add-members", "map-group", "create-group"],
)
def test_adding_a_number_another_organization_has_named_shows_no_name_from_elsewhere(world, add):
    result = add(world)

    assert name_in(world.a, B_ONLY) == ""
    shown = {"result page": result} | snapshot_of_a(world)
    assert "+91 97000 00003" in shown[f"users:detail {B_ONLY}"]
    assert places_showing(shown, (FABRIKAM_MARK,)) == {}


def test_adding_a_number_another_organization_has_named_keeps_the_name_given_here(world):
    add_one_user_only_fabrikam_has_named(world)
    assert "Contoso Calls Bo" in read(world.as_a, url("users:detail", world.a, user_id=world.b_only.pk))
    assert places_showing(snapshot_of_a(world), (FABRIKAM_MARK,)) == {}


def rename_the_shared_person_in_fabrikam(w: World) -> None:
    OrganizationUser.objects.filter(organization=w.b, user=w.shared).update(name="Bravo Renamed")


def record_an_event_in_fabrikam(w: World) -> None:
    AuditEvent.objects.create(organization=w.b, verb=AuditEvent.Verb.USER_UPDATED, actor=w.a_admin)


def publish_a_contoso_action_in_a_fabrikam_group(w: World) -> None:
    poll = action_services.create_action(organization=w.a, created_by=w.a_admin, name="Contoso Poll", kind="poll")
    ActionPublication.objects.create(action=poll, group=Group.objects.get(organization=w.b, name="Fabrikam Night"))


def change_an_attribute_value_in_fabrikam(w: World) -> None:
    membership = OrganizationUser.objects.get(organization=w.b, user=w.b_only)
    membership.attribute_values = {}
    membership.save()


@pytest.mark.parametrize(
    "leak",
    [
        rename_the_shared_person_in_fabrikam,
        record_an_event_in_fabrikam,
        change_an_attribute_value_in_fabrikam,
        publish_a_contoso_action_in_a_fabrikam_group,
    ],
    ids=["rename", "audit-event", "attribute-value", "publication"],
)
def test_the_harness_sees_a_write_that_reaches_fabrikam(world, leak):
    """The diff can fail: a write that did touch Fabrikam is caught."""
    before = snapshot_of_b(world)
    leak(world)
    with pytest.raises(pytest.fail.Exception, match="What Fabrikam reads changed"):
        assert_unchanged(before, snapshot_of_b(world), "What Fabrikam reads")


def test_the_harness_sees_a_name_from_elsewhere(world):
    OrganizationUser.objects.filter(organization=world.b, user=world.shared).update(name="Alpha Name")
    assert f"users:detail {SHARED}" in places_showing(snapshot_of_b(world), CONTOSO_MARKS)
