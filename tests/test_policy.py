"""The users and publishing rows of the role matrix (DESIGN.md section 4), checked against the real views.

Each row names a page and, per person, what they get: the page (200), a refusal
(403), nothing at all (404: another organization's things do not exist for them),
a way back (302), or the login page (anonymous). A row may tick people in the Users
list (``chosen``) for a bulk action's confirmation page.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from actions.models import Action as KaizalaAction
from actions.models import ActionPublication
from bulk_actions.models import BulkJob
from connectors.models import Connector, ConnectorPublication
from group_imports.models import GroupImportJob
from kaizala_portal import policy
from kaizala_portal.policy import Action, Role
from users.models import OrganizationUser

from .factories import GroupFactory, OrganizationUserFactory

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


# Making or revoking organization admins (DESIGN.md section 4: managing all users of the
# organization is its admins', and a platform superuser acts as org admin everywhere).
# Posted, as the user detail page's buttons post; the expected role is the target's afterwards.
ROLE_CHANGES = [
    # action, url name, whose user id it names, posted data, expected per person, role afterwards per person
    (
        "Make a member organization admin",
        "users:make_org_admin",
        "member",
        {},
        [302, 403, 403, 404, 302, "login"],
        ["org_admin", "member", "member", "member", "org_admin", "member"],
    ),
    (
        "Ask to remove an organization admin (confirmation page)",
        "users:revoke_org_admin",
        "second_org_admin",
        {},
        [200, 403, 403, 404, 200, "login"],
        ["org_admin"] * 6,
    ),
    (
        "Remove an organization admin (confirmed)",
        "users:revoke_org_admin",
        "second_org_admin",
        {"confirm": "1"},
        [302, 403, 403, 404, 302, "login"],
        ["member", "org_admin", "org_admin", "org_admin", "member", "org_admin"],
    ),
]


@pytest.mark.parametrize(
    ("change", "url_name", "target", "data", "expected", "role_after"),
    ROLE_CHANGES,
    ids=[row[0] for row in ROLE_CHANGES],
)
@pytest.mark.parametrize("person_index", range(len(PEOPLE)), ids=PEOPLE)
def test_role_matrix_for_organization_admins(
    request, client, client_for, organization, change, url_name, target, data, expected, role_after, person_index
):
    person = PEOPLE[person_index]
    people = {name: request.getfixturevalue(name) for name in PEOPLE[:-1]}
    people["second_org_admin"] = OrganizationUserFactory(
        organization=organization, role=OrganizationUser.Role.ORG_ADMIN
    ).user
    url = reverse(url_name, kwargs={"org_slug": organization.slug, "user_id": people[target].pk})

    response = client.post(url, data) if person == "anonymous" else client_for(people[person]).post(url, data)

    want = expected[person_index]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{person} on {change}"
    assert OrganizationUser.objects.get(organization=organization, user=people[target]).role == role_after[person_index]


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("org_admin", True),
        ("superuser", True),
        ("group_admin", False),
        ("member", False),
        ("other_org_admin", False),
        ("anonymous", False),
    ],
)
def test_only_organization_admins_manage_organization_admins(request, organization, outsider_member, person, allowed):
    user = AnonymousUser() if person == "anonymous" else request.getfixturevalue(person)
    viewer = policy.viewer_for(user, organization)
    assert policy.can(viewer, Action.MANAGE_ORG_ADMINS, outsider_member.memberships.get()) is allowed
    assert policy.can(viewer, Action.MANAGE_ORG_ADMINS) is allowed


def test_an_org_admin_manages_no_admins_of_another_organization(organization, org_admin, other_org_member):
    viewer = policy.viewer_for(org_admin, organization)
    assert not policy.can(viewer, Action.MANAGE_ORG_ADMINS, other_org_member.memberships.get())


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


# DESIGN.md section 4, "Publish or unpublish actions / connectors": org admins to all organization
# groups, group admins to their own org groups with admin role, members not at all. Publishing to a
# group with its sub-groups reaches each sub-group only as far as the role does.
PUBLISH_MATRIX = [
    # groups chosen, then per person (same order as PEOPLE): the answer and the groups it was published to
    (
        "Sales North with sub-groups",
        ["admin_group"],
        [
            (302, {"Sales North", "North Clinics"}),
            (302, {"Sales North"}),
            (403, set()),
            (404, set()),
            (302, {"Sales North", "North Clinics"}),
            ("login", set()),
        ],
    ),
    (
        "Sales South with sub-groups",
        ["other_group"],
        [
            (302, {"Sales South"}),
            (403, set()),
            (403, set()),
            (404, set()),
            (302, {"Sales South"}),
            ("login", set()),
        ],
    ),
]


@pytest.mark.parametrize("kind", ["actions", "connectors"])
@pytest.mark.parametrize(("case", "chosen", "expected"), PUBLISH_MATRIX, ids=[row[0] for row in PUBLISH_MATRIX])
@pytest.mark.parametrize("person_index", range(len(PEOPLE)), ids=PEOPLE)
def test_role_matrix_for_publishing_to_several_groups(
    request, client, client_for, organization, admin_group, kind, case, chosen, expected, person_index
):
    people = {name: request.getfixturevalue(name) for name in PEOPLE[:-1]}
    groups = {
        "admin_group": admin_group,
        "sub_group": GroupFactory(organization=organization, name="North Clinics", parent=admin_group),
        "other_group": GroupFactory(organization=organization, name="Sales South"),
    }
    if kind == "actions":
        entry = KaizalaAction.objects.create(organization=organization, created_by=people["member"], name="Poll")
        publications = ActionPublication.objects.filter(action=entry)
    else:
        entry = Connector.objects.create(
            organization=organization, created_by=people["member"], name="CRM", callback_url="https://c.example.com"
        )
        publications = ConnectorPublication.objects.filter(connector=entry)
    url = reverse(f"{kind}:publish", kwargs={"org_slug": organization.slug, f"{kind[:-1]}_id": entry.pk})
    person = PEOPLE[person_index]
    http = client if person == "anonymous" else client_for(people[person])

    response = http.post(url, {"group": [groups[name].pk for name in chosen], "include_subgroups": "on"})

    want, published = expected[person_index]
    if want == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{person}: {case}"
    assert set(publications.values_list("group__name", flat=True)) == published, f"{person}: {case}"


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


def test_group_uploads_reach_org_admins_all_group_admins_their_own_and_nobody_else(
    organization, other_organization, org_admin, group_admin, member, other_org_admin, superuser
):
    """An uploaded file names people and groups beyond a group admin's own: they see only theirs."""

    def job_of(person, org):
        return GroupImportJob.objects.create(
            organization=org, uploaded_by=person, kind=GroupImportJob.Kind.USER_MAPPING, token=f"{person.pk}-{org.pk}"
        )

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
        scoped = set(policy.scope(viewer, Action.VIEW_GROUP_IMPORTS, GroupImportJob.objects.all()))
        assert {name for name, job in jobs.items() if job in scoped} == reachable, person
        assert {name for name, job in jobs.items() if policy.can(viewer, Action.VIEW_GROUP_IMPORTS, job)} == reachable
