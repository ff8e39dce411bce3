"""The policy's answers about groups, asked directly (the views ask the same questions)."""

import pytest

from groups.models import Group, GroupMembership
from kaizala_portal import policy
from kaizala_portal.policy import Action

from ..factories import GroupFactory, GroupMembershipFactory


@pytest.fixture
def groups(organization, other_organization, admin_group, group_admin, member):
    child = GroupFactory(organization=organization, name="Retail", parent=admin_group)
    sibling = GroupFactory(organization=organization, name="Sales South")
    theirs = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    unmapped_of_group_admin = GroupFactory(organization=None, name="Volunteers")
    GroupMembershipFactory(group=unmapped_of_group_admin, user=group_admin, role=GroupMembership.Role.ADMIN)
    unmapped_of_nobody_here = GroupFactory(organization=None, name="Strangers")
    return {
        "admin_group": admin_group,
        "child": child,
        "sibling": sibling,
        "theirs": theirs,
        "volunteers": unmapped_of_group_admin,
        "strangers": unmapped_of_nobody_here,
    }


def names(viewer, action):
    return sorted(policy.scope(viewer, action, Group.objects.all()).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("person", "action", "expected"),
    [
        ("org_admin", Action.VIEW_GROUPS, ["Retail", "Sales North", "Sales South"]),
        ("group_admin", Action.VIEW_GROUPS, ["Sales North"]),
        ("member", Action.VIEW_GROUPS, ["Sales North"]),
        ("org_admin", Action.VIEW_HIERARCHY, ["Retail", "Sales North", "Sales South"]),
        ("member", Action.VIEW_HIERARCHY, ["Retail", "Sales North", "Sales South"]),
        ("org_admin", Action.MANAGE_GROUP_MEMBERS, ["Retail", "Sales North", "Sales South"]),
        # Directly: not the subgroup of the group they admin.
        ("group_admin", Action.MANAGE_GROUP_MEMBERS, ["Sales North"]),
        ("member", Action.MANAGE_GROUP_MEMBERS, []),
        ("org_admin", Action.MANAGE_GROUP_MAPPING, ["Retail", "Sales North", "Sales South"]),
        ("group_admin", Action.MANAGE_GROUP_MAPPING, ["Sales North", "Volunteers"]),
        ("superuser", Action.MANAGE_GROUP_MAPPING, ["Retail", "Sales North", "Sales South", "Strangers", "Volunteers"]),
        ("member", Action.MANAGE_GROUP_MAPPING, []),
        ("group_admin", Action.CREATE_GROUPS, ["Sales North"]),
        ("member", Action.CREATE_GROUPS, []),
        ("other_org_admin", Action.VIEW_HIERARCHY, []),
        # Renaming and deleting: any group of the organization, or those directly admined.
        ("org_admin", Action.RENAME_GROUPS, ["Retail", "Sales North", "Sales South"]),
        ("group_admin", Action.RENAME_GROUPS, ["Sales North"]),
        ("member", Action.RENAME_GROUPS, []),
        ("superuser", Action.DELETE_GROUPS, ["Retail", "Sales North", "Sales South"]),
        ("group_admin", Action.DELETE_GROUPS, ["Sales North"]),
        ("member", Action.DELETE_GROUPS, []),
        ("other_org_admin", Action.DELETE_GROUPS, []),
        # Reports: of every group, of the groups directly admined (not their subgroups), of none.
        ("org_admin", Action.VIEW_REPORTS, ["Retail", "Sales North", "Sales South"]),
        ("superuser", Action.VIEW_REPORTS, ["Retail", "Sales North", "Sales South"]),
        ("group_admin", Action.VIEW_REPORTS, ["Sales North"]),
        ("member", Action.VIEW_REPORTS, []),
        ("other_org_admin", Action.VIEW_REPORTS, []),
    ],
)
def test_group_scopes_per_role(request, organization, groups, person, action, expected):
    viewer = policy.viewer_for(request.getfixturevalue(person), organization)
    assert names(viewer, action) == expected
    # can() agrees with scope() on every group, in this organization, another, and none.
    for group in Group.objects.all():
        assert policy.can(viewer, action, group) is (group.name in expected), group.name


def test_a_group_admin_moves_only_groups_whose_parent_they_admin_too(organization, group_admin, groups):
    top = GroupFactory(organization=organization, name="Top")
    GroupMembershipFactory(group=top, user=group_admin, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=groups["child"], user=group_admin, role=GroupMembership.Role.ADMIN)
    viewer = policy.viewer_for(group_admin, organization)

    assert names(viewer, Action.MOVE_GROUPS) == ["Retail", "Sales North", "Top"]
    groups["admin_group"].parent = groups["sibling"]
    groups["admin_group"].save()
    assert names(viewer, Action.MOVE_GROUPS) == ["Retail", "Top"]
    assert not policy.can(viewer, Action.MOVE_GROUPS, groups["admin_group"])


def test_only_whole_organization_roles_reach_the_top_of_the_hierarchy(
    organization, org_admin, group_admin, member, superuser
):
    reaches = [
        policy.reaches_whole_organization(policy.viewer_for(person, organization), Action.CREATE_GROUPS)
        for person in (org_admin, group_admin, member, superuser)
    ]
    assert reaches == [True, False, False, True]
