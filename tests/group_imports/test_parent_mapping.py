"""A Parent Group Mapping file, run in this process: the hierarchy it leaves."""

import pytest

from group_imports.models import GroupImportJob
from groups.models import GroupMembership

from ..factories import GroupFactory, GroupMembershipFactory
from .conftest import PARENT_HEADER, errors, hierarchy, run

PARENTS = GroupImportJob.Kind.PARENT_MAPPING


@pytest.fixture
def sales(organization):
    """Sales > North > Pune; Field Staff."""
    top = GroupFactory(organization=organization, name="Sales")
    north = GroupFactory(organization=organization, name="North", parent=top)
    GroupFactory(organization=organization, name="Pune", parent=north)
    GroupFactory(organization=organization, name="Field Staff")
    return top


def test_rows_apply_in_order_each_to_the_hierarchy_the_rows_before_left(make_job, organization, sales):
    job = run(
        make_job(
            PARENT_HEADER + "Sales / North,Field Staff\n"  # North moves: its path is now Field Staff / North
            "Field Staff / North / Pune,\n"  # found at its new place, and put at the top
            "Sales,Field Staff\n"
            "Sales / North,Field Staff\n",  # no longer there: ignored
            kind=PARENTS,
        )
    )

    assert job.status == GroupImportJob.Status.COMPLETED
    assert (job.moved_count, job.unchanged_count, job.ignored_count, job.rejected_count) == (3, 0, 1, 0)
    assert hierarchy(organization) == {
        "Sales": "Field Staff",
        "North": "Field Staff",
        "Pune": None,
        "Field Staff": None,
    }
    assert errors(job) == [(5, "Child Group", "Ignored: there is no group Sales / North in Contoso.")]


def test_a_loop_is_rejected_and_named_group_by_group(make_job, organization, sales):
    job = run(make_job(PARENT_HEADER + "Sales,Sales / North / Pune\nSales / North,Sales / North\n", kind=PARENTS))

    assert errors(job) == [
        (
            2,
            "Parent Group",
            "Sales cannot go under Sales / North / Pune: Sales / North / Pune is inside Sales, so the hierarchy would "
            "loop (Sales / North / Pune → Sales / North → Sales → Sales / North / Pune).",
        ),
        (3, "Parent Group", "Sales / North cannot be its own parent."),
    ]
    assert hierarchy(organization)["Sales"] is None
    assert job.status == GroupImportJob.Status.FAILED


def test_a_missing_parent_and_a_taken_name_are_rejected_with_the_reason(make_job, organization, sales):
    GroupFactory(organization=organization, name="north", parent=hierarchy_group(organization, "Field Staff"))
    job = run(
        make_job(
            PARENT_HEADER + "Sales / North,Nowhere\nSales / North,Field Staff\nField Staff / north,Sales\n",
            kind=PARENTS,
        )
    )

    assert errors(job) == [
        (2, "Parent Group", "There is no group Nowhere in Contoso."),
        (3, "Parent Group", "Field Staff already has a subgroup named “north”."),
        (4, "Parent Group", "Sales already has a subgroup named “North”."),
    ]
    assert job.moved_count == 0


def hierarchy_group(organization, name):
    return organization.groups.get(name=name)


def test_a_group_admin_moves_as_the_move_page_lets_them(make_job, organization, group_admin, admin_group, sales):
    """Sales North (theirs) may go under a group they admin, not under one they do not, nor to the top."""
    theirs_too = GroupFactory(organization=organization, name="Retail")
    GroupMembershipFactory(group=theirs_too, user=group_admin, role=GroupMembership.Role.ADMIN)
    job = run(
        make_job(
            PARENT_HEADER + "Sales North,Sales\nSales / North,Retail\nSales North,Retail\nRetail / Sales North,\n",
            by=group_admin,
            kind=PARENTS,
        )
    )

    assert errors(job) == [
        (2, "Parent Group", "You may not put groups under Sales: you are not its admin."),
        (
            3,
            "Child Group",
            "You may not move Sales / North: a group admin moves only groups they admin, from under a group they "
            "admin too.",
        ),
        (5, "Parent Group", "Only organization admins may put Retail / Sales North at the top of the hierarchy."),
    ]
    assert hierarchy(organization)["Sales North"] == "Retail"
    assert (job.moved_count, job.rejected_count) == (1, 3)


def test_an_export_uploaded_again_changes_nothing(client_for, make_job, organization, org_admin, sales):
    from django.urls import reverse

    before = hierarchy(organization)
    exported = b"".join(
        client_for(org_admin).get(reverse("groups:export_parent_mapping", kwargs={"org_slug": organization.slug}))
    ).decode("utf-8")

    job = run(make_job(exported, kind=PARENTS))

    assert (job.moved_count, job.unchanged_count, job.ignored_count, job.rejected_count) == (0, 4, 0, 0)
    assert hierarchy(organization) == before


def test_the_templates_example_row_is_passed_over_but_the_same_groups_without_its_note_are_a_real_row(
    make_job, organization
):
    from groups import mapping_files

    staff = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North")
    template = mapping_files.parent_mapping_template().lstrip("\ufeff")

    assert run(make_job(template, kind=PARENTS)).status == GroupImportJob.Status.FAILED  # no rows: nothing to do
    job = run(make_job(template + "North,Field Staff\nField Staff / North,Field Staff\n", kind=PARENTS))

    assert (job.moved_count, job.unchanged_count) == (1, 1)
    north.refresh_from_db()
    assert north.parent == staff


def test_a_group_is_not_moved_beside_another_organizations_subgroup_of_its_name(
    make_job, organization, other_organization, sales
):
    GroupFactory(organization=other_organization, name="pune", parent=sales)
    before = hierarchy(organization)

    job = run(make_job(PARENT_HEADER + "Sales / North / Pune,Sales\n", kind=PARENTS))

    assert errors(job) == [(2, "Parent Group", "Sales already has a subgroup named “pune”.")]
    assert hierarchy(organization) == before
