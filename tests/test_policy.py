"""The users rows of the role matrix (DESIGN.md section 4), checked against the real views.

Each row names a page and, per person, what they get: the page (200), a refusal
(403), nothing at all (404: another organization's things do not exist for them),
or the login page (anonymous).
"""

import pytest
from django.urls import reverse

from kaizala_portal import policy
from kaizala_portal.policy import Action, Role
from users.models import OrganizationUser

PEOPLE = ["org_admin", "group_admin", "member", "other_org_admin", "superuser", "anonymous"]

MATRIX = [
    # page, url name, whose user id it names, expected per person (same order as PEOPLE)
    ("Users list", "users:list", None, [200, 200, 403, 404, 200, "login"]),
    ("Select columns", "users:columns", None, [200, 200, 403, 404, 200, "login"]),
    ("Add users", "users:add", None, [200, 403, 403, 404, 200, "login"]),
    ("Detail of a user in the group admin's group", "users:detail", "member", [200, 200, 403, 404, 200, "login"]),
    (
        "Detail of a user outside the group admin's groups",
        "users:detail",
        "outsider_member",
        [200, 404, 403, 404, 200, "login"],
    ),
    ("Delete a user (confirmation)", "users:delete", "member", [200, 403, 403, 404, 200, "login"]),
    ("Organization home", "organization_home", None, [302, 302, 302, 404, 302, "login"]),
    ("Groups", "groups:list", None, [200, 200, 200, 404, 200, "login"]),
    # "Manage groups-to-organization mapping (Settings)": org admins and the admins of groups.
    ("Settings", "settings:groups", None, [200, 200, 403, 404, 200, "login"]),
    # The organization's time zone on Settings belongs to no group: the org admin's alone
    # (and a platform superuser's, who acts as org admin everywhere).
    ("Time zone (Settings)", "settings:time_zone", None, [200, 403, 403, 404, 200, "login"]),
]


@pytest.mark.parametrize(("page", "url_name", "target", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("person_index", range(len(PEOPLE)), ids=PEOPLE)
def test_role_matrix_for_users(
    request, client, client_for, organization, page, url_name, target, expected, person_index
):
    person = PEOPLE[person_index]
    # Everyone exists in every case, so that a page never differs for lack of data.
    people = {name: request.getfixturevalue(name) for name in PEOPLE[:-1] + ["outsider_member"]}
    kwargs = {"org_slug": organization.slug}
    if target:
        kwargs["user_id"] = people[target].pk
    url = reverse(url_name, kwargs=kwargs)

    response = client.get(url) if person == "anonymous" else client_for(people[person]).get(url)

    want = expected[person_index]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{person} on {page}"


def test_roles_are_worked_out_from_memberships(
    organization, org_admin, group_admin, member, other_org_admin, superuser
):
    assert policy.viewer_for(org_admin, organization).role == Role.ORG_ADMIN
    assert policy.viewer_for(group_admin, organization).role == Role.GROUP_ADMIN
    assert policy.viewer_for(member, organization).role == Role.MEMBER
    assert policy.viewer_for(other_org_admin, organization).role is None
    assert policy.viewer_for(superuser, organization).role == Role.ORG_ADMIN


def test_group_admin_sees_only_users_of_groups_they_directly_admin(
    organization, group_admin, member, outsider_member, org_admin
):
    viewer = policy.viewer_for(group_admin, organization)
    visible = policy.scope(viewer, Action.VIEW_USERS, OrganizationUser.objects.all())
    assert {m.user for m in visible} == {group_admin, member}


def test_org_admin_scope_never_reaches_another_organization(organization, org_admin, member, other_org_member):
    viewer = policy.viewer_for(org_admin, organization)
    visible = policy.scope(viewer, Action.VIEW_USERS, OrganizationUser.objects.all())
    assert other_org_member not in {m.user for m in visible}
    assert not policy.can(viewer, Action.REMOVE_USERS, other_org_member.memberships.get())


def test_only_org_admins_manage_the_organizations_own_settings(
    organization, org_admin, group_admin, member, other_org_admin, superuser
):
    may = {
        person: policy.can(policy.viewer_for(person, organization), Action.MANAGE_ORGANIZATION_SETTINGS)
        for person in (org_admin, group_admin, member, other_org_admin, superuser)
    }
    assert may == {org_admin: True, group_admin: False, member: False, other_org_admin: False, superuser: True}


def test_members_cannot_add_or_remove_users(organization, member, outsider_member):
    viewer = policy.viewer_for(member, organization)
    assert not policy.can(viewer, Action.ADD_USERS)
    assert not policy.can(viewer, Action.REMOVE_USERS, outsider_member.memberships.get())
