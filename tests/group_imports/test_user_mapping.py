"""A User Group Mapping file, run in this process: who ends up in which group, as what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from group_imports.models import GroupImportJob
from groups import dynamic
from groups.models import Group, GroupMembership
from groups.rules import ALL, Condition, Rule
from users.models import OrganizationUser, User

from ..factories import (
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationUserFactory,
    UserFactory,
)
from .conftest import USER_HEADER, errors, memberships, run


@pytest.fixture
def field_staff(organization):
    top = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North", parent=top)
    return top, north


def test_people_are_added_with_their_user_type_and_new_ones_join_the_organization(
    make_job, organization, org_admin, field_staff
):
    top, north = field_staff
    job = run(
        make_job(
            USER_HEADER + "Field Staff / North,+91 98123 00001,Admin\n"
            "field staff / north,098123 00002,\n"  # any case, a national number, empty = member
            "Field Staff,+919812300001,MEMBER\n"
        )
    )

    assert job.status == GroupImportJob.Status.COMPLETED
    assert (job.groups_created_count, job.added_count, job.updated_count, job.unchanged_count) == (0, 3, 0, 0)
    assert memberships(organization) == {
        ("Field Staff / North", "+919812300001", "admin"),
        ("Field Staff / North", "+919812300002", "member"),
        ("Field Staff", "+919812300001", "member"),
    }
    joined = OrganizationUser.objects.filter(organization=organization, user__phone_number__startswith="+9198123000")
    assert sorted(joined.values_list("user__phone_number", "added_directly")) == [
        ("+919812300001", False),
        ("+919812300002", False),
    ]


def test_a_changed_role_counts_as_updated_and_the_same_role_as_unchanged(make_job, organization, field_staff):
    _, north = field_staff
    asha = GroupMembershipFactory(group=north, user=UserFactory(phone_number="+919812300011"), role="admin")
    GroupMembershipFactory(group=north, user=UserFactory(phone_number="+919812300012"), role="admin")
    job = run(
        make_job(USER_HEADER + "Field Staff / North,+919812300011,member\nField Staff / North,+919812300012,admin\n")
    )

    assert (job.added_count, job.updated_count, job.unchanged_count, job.rejected_count) == (0, 1, 1, 0)
    asha.refresh_from_db()
    assert asha.role == "member"


def test_bad_rows_are_rejected_with_the_reason_and_the_rest_applied(make_job, organization, field_staff):
    job = run(
        make_job(
            USER_HEADER + "Field Staff / North,+919812300021,member\n"
            "Field Staff / North,12345,member\n"
            "Field Staff / North,+919812300022,owner\n"
            ",+919812300023,member\n"
            "FIELD STAFF / north,+91 98123 00021,admin\n"
        )
    )

    assert (job.added_count, job.rejected_count) == (1, 4)
    assert errors(job) == [
        (3, "Phone Number", "This phone number is too short."),
        (4, "User Type", "“owner” is not a user type: write admin or member (empty means member)."),
        (5, "Group", "The group is empty: write its path, as in “Field Staff / North”."),
        (
            6,
            "",
            "A duplicate of row 2: +91 98123 00021 and FIELD STAFF / north are in the file once already.",
        ),
    ]
    assert memberships(organization) == {("Field Staff / North", "+919812300021", "member")}


def test_groups_that_do_not_exist_are_created_with_the_groups_above_them(make_job, organization, field_staff):
    job = run(
        make_job(
            USER_HEADER + "Sales / West / Pune,+919812300031,admin\n"
            "Sales / West,+919812300032,member\n"
            "Field Staff / South,+919812300033,admin\n"
        )
    )

    assert (job.groups_created_count, job.added_count) == (4, 3)
    pune = Group.objects.get(name="Pune")
    assert (pune.parent.name, pune.parent.parent.name, pune.parent.parent.parent) == ("West", "Sales", None)
    assert Group.objects.get(name="South").parent == field_staff[0]
    assert set(Group.objects.filter(organization=organization).values_list("organization", flat=True)) == {
        organization.pk
    }


def test_a_group_admin_uploads_only_for_the_groups_they_admin_and_creates_none(
    make_job, organization, group_admin, admin_group, field_staff
):
    job = run(
        make_job(
            USER_HEADER + "Sales North,+919812300041,member\n"
            "Field Staff / North,+919812300042,member\n"
            "Brand New,+919812300043,member\n",
            by=group_admin,
        )
    )

    assert (job.added_count, job.groups_created_count, job.rejected_count) == (1, 0, 2)
    assert errors(job) == [
        (
            3,
            "Group",
            "You are not an admin of Field Staff / North: a group admin may upload rows only for the groups they "
            "directly admin.",
        ),
        (
            4,
            "Group",
            "There is no group Brand New in Contoso, and only organization admins may create groups by upload. "
            "Create it first, or ask an organization admin.",
        ),
    ]
    assert not Group.objects.filter(name="Brand New").exists()
    assert not GroupMembership.objects.filter(group=field_staff[1]).exists()


def test_a_group_keeps_its_last_admin(make_job, organization, field_staff):
    _, north = field_staff
    only = GroupMembershipFactory(group=north, user=UserFactory(phone_number="+919812300051"), role="admin")
    job = run(make_job(USER_HEADER + "Field Staff / North,+919812300051,member\n"))

    assert job.status == GroupImportJob.Status.FAILED
    assert errors(job) == [
        (
            2,
            "User Type",
            "+91 98123 00051 is the last admin of Field Staff / North, and a group keeps at least one admin: make "
            "someone else an admin first.",
        )
    ]
    only.refresh_from_db()
    assert only.role == "admin"


def test_the_last_admin_may_step_down_when_the_file_names_another(make_job, organization, field_staff):
    _, north = field_staff
    GroupMembershipFactory(group=north, user=UserFactory(phone_number="+919812300061"), role="admin")
    job = run(
        make_job(USER_HEADER + "Field Staff / North,+919812300061,member\nField Staff / North,+919812300062,admin\n")
    )

    assert (job.added_count, job.updated_count, job.rejected_count) == (1, 1, 0)


def test_the_templates_example_row_and_blank_rows_are_passed_over(make_job, organization):
    from groups import mapping_files

    job = run(make_job(mapping_files.user_mapping_template().lstrip("\ufeff") + ",,\nSales,+919812300071,\n"))

    assert (job.added_count, job.rejected_count, job.groups_created_count) == (1, 0, 1)
    assert not Group.objects.filter(name="North").exists()


def test_an_export_uploaded_again_changes_nothing(client_for, make_job, organization, org_admin, field_staff):
    from django.urls import reverse

    top, north = field_staff
    asha, ravi = UserFactory(phone_number="+919812300081"), UserFactory(phone_number="+919812300082")
    GroupMembershipFactory(group=north, user=asha, role="admin")
    GroupMembershipFactory(group=north, user=ravi, role="member")
    GroupMembershipFactory(group=top, user=asha, role="member")
    before = memberships(organization)
    exported = b"".join(
        client_for(org_admin).get(reverse("groups:export_user_mapping", kwargs={"org_slug": organization.slug}))
    ).decode("utf-8")

    job = run(make_job(exported))

    assert (job.added_count, job.updated_count, job.unchanged_count, job.rejected_count) == (0, 0, 3, 0)
    assert job.groups_created_count == 0
    assert memberships(organization) == before


def test_a_file_of_another_organization_changes_nothing_there(
    make_job, organization, other_organization, other_org_admin
):
    theirs = GroupFactory(organization=other_organization, name="Sales")
    job = run(make_job(USER_HEADER + "Sales,+919812300091,member\n"))

    assert job.groups_created_count == 1
    assert not theirs.memberships.exists()
    assert not OrganizationUser.objects.filter(organization=other_organization, user__phone_number="+919812300091")


def test_a_job_writes_one_audit_event_when_it_ends_with_its_counts(make_job, organization, org_admin):
    job = run(make_job(USER_HEADER + "Sales,+919812300101,admin\nSales,bad,member\n"))

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.GROUP_IMPORT_FINISHED)
    assert event.details | {"job_id": 0} == {
        "job_id": 0,
        "file_name": "groups.csv",
        "kind": "User Group Mapping",
        "status": "completed",
        "groups_created": 1,
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "moved": 0,
        "ignored": 0,
        "rejected": 1,
        "failure": "",
    }
    assert AuditEvent.objects.filter(organization=organization).count() == 1
    assert job.status == GroupImportJob.Status.COMPLETED


@pytest.mark.parametrize("read_in_parallel", [False, True], ids=["read-in-line", "read-in-a-process-of-its-own"])
def test_a_retried_job_resumes_after_the_last_committed_batch(make_job, organization, settings, read_in_parallel):
    settings.GROUP_IMPORT_BATCH_SIZE = 2
    settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = 0 if read_in_parallel else 1000
    job = make_job(
        USER_HEADER + "Sales,+919812300111,admin\nSales,+919812300112,member\n"
        "Sales,+919812300113,member\nSales,+919812300111,member\n"
    )
    # As if a first run committed the first batch and its worker was then lost.
    GroupMembershipFactory(
        group=GroupFactory(organization=organization, name="Sales"),
        user=UserFactory(phone_number="+919812300111"),
        role="admin",
    )
    GroupImportJob.objects.filter(pk=job.pk).update(rows_done=2, added_count=2, total_rows=4, groups_created_count=1)

    job = run(job)

    assert (job.rows_done, job.added_count, job.rejected_count, job.groups_created_count) == (4, 3, 1, 1)
    # The duplicate of a row done by the run before is still found.
    assert errors(job)[0][:2] == (5, "")
    assert "A duplicate of row 2" in errors(job)[0][2]
    assert not User.objects.filter(phone_number="+919812300112").exists()


def test_a_batch_takes_the_same_few_queries_for_ten_rows_or_a_hundred(make_job, organization, settings):
    def queries_for(rows: int, offset: int) -> int:
        content = USER_HEADER + "".join(
            f"Group {n % 7} / Team {n % 3},+9198124{offset + n:05d},{'admin' if n % 5 == 0 else 'member'}\n"
            for n in range(rows)
        )
        job = make_job(content)
        with CaptureQueriesContext(connection) as queries:
            run(job)
        return len(queries)

    settings.GROUP_IMPORT_BATCH_SIZE = 1000
    queries_for(100, 0)  # the groups exist from here on
    # Up to 80 rows: SQLite splits a multi-row INSERT of more new organization users than that in two.
    assert queries_for(80, 1000) == queries_for(10, 2000)


def test_a_dynamic_groups_members_come_from_its_rule_not_from_a_file(make_job, organization, org_admin):
    department = AttributeDefinitionFactory(organization=organization, name="Department", value_type="string")
    finance = GroupFactory(organization=organization, name="Finance")
    OrganizationUserFactory(
        organization=organization,
        user=UserFactory(phone_number="+919812300031"),
        attribute_values={department.key: "Finance"},
    )
    rule = Rule(match=ALL, conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance, rule=rule, changed_by=org_admin)
    before = memberships(organization)

    job = run(
        make_job(
            USER_HEADER + "Finance,+919812300031,member\n"  # as an export of the group writes it: left as it is
            "Finance,+919812300032,member\n"
        )
    )

    assert (job.added_count, job.unchanged_count, job.rejected_count) == (0, 1, 1)
    assert errors(job) == [
        (
            3,
            "Group",
            "Finance is a dynamic group: its members are the people its rule matches. Change the rule, or the "
            "people's attributes, to change who is in it; or make it an ordinary group again.",
        )
    ]
    assert memberships(organization) == before
    assert not User.objects.filter(phone_number="+919812300032").exists()


def test_a_group_whose_name_another_organization_holds_under_the_parent_is_not_made(
    make_job, organization, other_organization, field_staff
):
    top, _ = field_staff
    # A subgroup of Field Staff mapped to another organization: not in this one's tree, but its name is taken there.
    GroupFactory(organization=other_organization, name="Coastal", parent=top)
    groups_before = Group.objects.count()

    job = run(make_job(USER_HEADER + "Field Staff / coastal,+919812300041,member\nField Staff,+919812300042,member\n"))

    assert job.status == GroupImportJob.Status.COMPLETED
    assert (job.groups_created_count, job.added_count, job.rejected_count) == (0, 1, 1)
    assert errors(job) == [
        (
            2,
            "Group",
            "Field Staff / coastal cannot be created: a subgroup of another organization, or of none, already has "
            "that name under the same parent. Use another name, or map that group to this organization.",
        )
    ]
    assert Group.objects.count() == groups_before
