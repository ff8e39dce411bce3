"""The users rows of the role matrix (DESIGN.md section 4), checked against the real views.

Each row names a page and, per person, what they get: the page (200), a refusal
(403), nothing at all (404: another organization's things do not exist for them),
a way back (302), or the login page (anonymous). A row may tick people in the Users
list (``chosen``) for a bulk action's confirmation page.
"""

import pytest
from django.urls import reverse

from bulk_actions.models import BulkJob
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
    # Bulk actions on the Users list: "Add or remove users" removes people from the organization
    # (as its one-person Delete, the org admin's), "Add or remove users from groups" for the groups
    # one admins, of the people one can see; exports are the organization's data, its admins'.
    ("Bulk delete of a chosen user", "bulk_actions:delete", None, [200, 403, 403, 404, 200, "login"], "member"),
    (
        "Bulk add to a group, a user of the group admin's group",
        "bulk_actions:add_to_group",
        None,
        [200, 200, 403, 404, 200, "login"],
        "member",
    ),
    # Nobody the group admin can see is chosen: back to the list, with the reason.
    (
        "Bulk add to a group, a user outside the group admin's groups",
        "bulk_actions:add_to_group",
        None,
        [200, 302, 403, 404, 200, "login"],
        "outsider_member",
    ),
    ("Bulk remove from a group", "bulk_actions:remove_from_group", None, [200, 200, 403, 404, 200, "login"], "member"),
    ("Bulk export of a chosen user", "bulk_actions:export", None, [200, 403, 403, 404, 200, "login"], "member"),
    ("Bulk action history", "bulk_actions:history", None, [200, 200, 403, 404, 200, "login"]),
]


@pytest.mark.parametrize(
    ("page", "url_name", "target", "expected", "chosen"),
    [(*row, None) if len(row) == 4 else row for row in MATRIX],
    ids=[row[0] for row in MATRIX],
)
@pytest.mark.parametrize("person_index", range(len(PEOPLE)), ids=PEOPLE)
def test_role_matrix_for_users(
    request, client, client_for, organization, page, url_name, target, expected, chosen, person_index
):
    person = PEOPLE[person_index]
    # Everyone exists in every case, so that a page never differs for lack of data.
    people = {name: request.getfixturevalue(name) for name in PEOPLE[:-1] + ["outsider_member"]}
    kwargs = {"org_slug": organization.slug}
    if target:
        kwargs["user_id"] = people[target].pk
    url = reverse(url_name, kwargs=kwargs)
    if chosen:
        url += f"?user={people[chosen].pk}"

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


def test_members_cannot_add_or_remove_users(organization, member, outsider_member):
    viewer = policy.viewer_for(member, organization)
    assert not policy.can(viewer, Action.ADD_USERS)
    assert not policy.can(viewer, Action.REMOVE_USERS, outsider_member.memberships.get())


def test_bulk_jobs_reach_org_admins_all_group_admins_their_own_and_nobody_else(
    organization, other_organization, org_admin, group_admin, member, other_org_admin, superuser
):
    """DESIGN.md gives group admins the users of the groups they admin: a job another admin ran names others."""

    def job_of(person, org):
        return BulkJob.objects.create(organization=org, requested_by=person, kind=BulkJob.Kind.DELETE)

    jobs = {
        "org_admin's": job_of(org_admin, organization),
        "group_admin's": job_of(group_admin, organization),
        "other organization's": job_of(other_org_admin, other_organization),
    }
    expected = {
        org_admin: {"org_admin's", "group_admin's"},
        superuser: {"org_admin's", "group_admin's"},
        group_admin: {"group_admin's"},
        member: set(),
        other_org_admin: set(),
    }
    for person, reachable in expected.items():
        viewer = policy.viewer_for(person, organization)
        scoped = set(policy.scope(viewer, Action.VIEW_BULK_JOBS, BulkJob.objects.all()))
        assert {name for name, job in jobs.items() if job in scoped} == reachable, person
        # can() is true exactly for what scope() returns.
        assert {name for name, job in jobs.items() if policy.can(viewer, Action.VIEW_BULK_JOBS, job)} == reachable
