"""The demo data shows all three roles in a hierarchy of groups, consistent with the membership rule."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Exists, OuterRef

from groups import selectors
from groups.models import Group, GroupMembership
from kaizala_portal import policy
from kaizala_portal.policy import Role
from users.management.commands.seed_demo import DEMO_LOGINS
from users.models import Organization, OrganizationUser, User


def test_demo_has_a_hierarchy_with_an_admin_in_every_group_and_each_role_to_log_in_as(db):
    call_command("seed_demo", users=60, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")

    depths = {row.group.name: row.depth for row in selectors.hierarchy_of(contoso)}
    assert depths["Mobile Clinics"] == 2
    assert max(depths.values()) >= 2 and len(depths) >= 6
    without_admin = Group.objects.exclude(
        Exists(GroupMembership.objects.filter(group=OuterRef("pk"), role=GroupMembership.Role.ADMIN))
    )
    assert not without_admin.exists()

    asha, ravi, meera = (User.objects.get(own_name=name) for _, name, _ in DEMO_LOGINS)
    assert [policy.viewer_for(person, contoso).role for person in (asha, ravi, meera)] == [
        Role.ORG_ADMIN,
        Role.GROUP_ADMIN,
        Role.MEMBER,
    ]
    assert list(ravi.group_memberships.values_list("group__name", "role")) == [("North", "admin")]
    assert list(meera.group_memberships.values_list("group__name", "role")) == [("North", "member")]
    # Something for Asha to map on Settings.
    assert Group.objects.filter(organization=None, memberships__user=asha, memberships__role="admin").exists()


def test_demo_groups_bear_their_own_names_so_that_each_path_names_a_group_once(db):
    call_command("seed_demo", users=20, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")

    assert [group.path for group in selectors.by_path(Group.objects.filter(organization=contoso))] == [
        "Community Health Workers",
        "Field Staff",
        "Field Staff / North",
        "Field Staff / North / Mobile Clinics",
        "Field Staff / South",
        "Head Office",
        "Head Office / Finance",
    ]
    # The logins, as the README lists them, name Ravi's and Meera's group by its path.
    _, (_, _, ravi_role), (_, _, meera_role) = DEMO_LOGINS
    north = Group.objects.get(organization=contoso, memberships__user__own_name="Ravi Groupadmin")
    assert (ravi_role, meera_role) == (
        f"group admin of {selectors.path_of(north)}",
        f"member of {selectors.path_of(north)}",
    )


def test_demo_organization_users_follow_the_membership_rule(db):
    call_command("seed_demo", users=60, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")

    via_group_only = OrganizationUser.objects.filter(organization=contoso, added_directly=False)
    assert via_group_only.count() == 6
    assert not selectors.org_users_without_other_reason(
        organization=contoso, user_ids=OrganizationUser.objects.filter(organization=contoso).values("user_id")
    ).exists()
    all_members = GroupMembership.objects.filter(group__organization=contoso).values("user_id")
    assert selectors.users_missing_from_organization(organization=contoso, user_ids=all_members) == []
