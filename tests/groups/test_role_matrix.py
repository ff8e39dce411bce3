"""The role matrix of DESIGN.md section 4, stated once and checked for every role against the real views.

Each case names a request and, per person, what they get: the page (200), a redirect
after a write that was done (302), a refusal (403), nothing at all (404: another
organization's things, or a group they could never map, do not exist for them), or the
login page (anonymous). Every write is also checked for its effect: it happened exactly
when the person was allowed. A case may name objects in its query string too (the
Reports page's group picker).

The organization: ``admin_group`` (Sales North) is admined by ``group_admin`` and has
``member``; its subgroup ``sub_group`` and the sibling ``other_group`` are admined by
others. Two groups are mapped nowhere: ``volunteers`` (admined by ``group_admin``) and
``drivers`` (admined by ``org_admin``).

Actions and Connectors: the poll and the CRM connector, added by the member, are published
nowhere; the checklist and the helpdesk connector, added by the org admin, are published to
both Sales groups. Anyone may publish anyone's, to the groups their role reaches.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from actions.models import Action, ActionPublication
from connectors.models import Connector, ConnectorPublication
from groups.models import Group, GroupMembership
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, GroupFactory, GroupMembershipFactory, UserFactory

PEOPLE = ["org_admin", "group_admin", "member", "other_org_admin", "superuser", "anonymous"]
NEW_NUMBER = "+919812300000"


@dataclass(frozen=True)
class Case:
    request: str  # "GET url-name" or "POST url-name"
    kwargs: dict[str, str]  # URL argument -> name of an object of the world
    expected: list[Any]  # per person, in the order of PEOPLE
    data: dict[str, str] | None = None
    done: str | None = None  # name of a check, in DONE, that the write happened
    query: dict[str, str] | None = None  # query-string parameter -> name of an object of the world


# The rule editor's form: the members of Sales North are the people of the Sales department.
RULE_FORM = {
    "match": "all",
    "condition-TOTAL_FORMS": "1",
    "condition-INITIAL_FORMS": "0",
    "condition-0-attribute": "department",
    "condition-0-operator": "equals",
    "condition-0-value": "Sales",
    "save": "1",
}

# DESIGN.md section 4, row by row.
MATRIX: dict[str, list[Case]] = {
    "Add or remove users": [
        Case("GET users:add", {}, [200, 403, 403, 404, 200, "login"]),
        Case("GET users:list", {}, [200, 200, 403, 404, 200, "login"]),
        Case("POST users:delete", {"user_id": "other_member"}, [302, 403, 403, 404, 302, "login"], done="deleted"),
        # Group admins add and remove users through the groups they directly admin: see below.
    ],
    "View groups": [
        Case("GET groups:list", {}, [200, 200, 200, 404, 200, "login"]),
        Case("GET groups:detail", {"group_id": "admin_group"}, [200, 200, 200, 404, 200, "login"]),
        Case("GET groups:detail", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case("GET groups:detail", {"group_id": "sub_group"}, [200, 403, 403, 404, 200, "login"]),
    ],
    "View groups in the hierarchy": [
        Case("GET groups:hierarchy", {}, [200, 200, 200, 404, 200, "login"]),
    ],
    "Add or remove users from groups": [
        Case("GET groups:add_members", {"group_id": "admin_group"}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:add_members", {"group_id": "sub_group"}, [200, 403, 403, 404, 200, "login"]),
        Case("GET groups:add_members", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case(
            "POST groups:add_members",
            {"group_id": "admin_group"},
            [302, 302, 403, 404, 302, "login"],
            data={"phone_numbers": NEW_NUMBER},
            done="added_to_admin_group",
        ),
        Case(
            "POST groups:add_members",
            {"group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            data={"phone_numbers": NEW_NUMBER},
            done="added_to_other_group",
        ),
        Case(
            "GET groups:remove_member",
            {"group_id": "admin_group", "user_id": "member"},
            [200, 200, 403, 404, 200, "login"],
        ),
        Case(
            "POST groups:remove_member",
            {"group_id": "admin_group", "user_id": "member"},
            [302, 302, 403, 404, 302, "login"],
            done="member_removed",
        ),
        Case(
            "POST groups:remove_member",
            {"group_id": "other_group", "user_id": "other_member"},
            [302, 403, 403, 404, 302, "login"],
            done="other_member_removed",
        ),
        Case(
            "POST groups:change_role",
            {"group_id": "admin_group", "user_id": "member"},
            [302, 302, 403, 404, 302, "login"],
            data={"role": "admin"},
            done="member_promoted",
        ),
        Case(
            "POST groups:change_role",
            {"group_id": "other_group", "user_id": "other_member"},
            [302, 403, 403, 404, 302, "login"],
            data={"role": "admin"},
            done="other_member_promoted",
        ),
        # Bulk Upload Users: its templates, and Export Existing Groups of the groups one's role reaches
        # (the files' content per role: tests/groups/test_mapping_files.py).
        Case("GET groups:user_mapping_template", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:parent_mapping_template", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:export_user_mapping", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:export_parent_mapping", {}, [200, 200, 403, 404, 200, "login"]),
        # Uploading either file: each row is then judged against the uploader's role by the job
        # (tests/group_imports); the history shows an org admin every upload, a group admin their own.
        Case("GET group_imports:upload_user_mapping", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET group_imports:upload_parent_mapping", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET group_imports:history", {}, [200, 200, 403, 404, 200, "login"]),
    ],
    "View reports": [
        Case("GET reports:index", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET reports:index", {}, [200, 200, 403, 404, 200, "login"], query={"group": "admin_group"}),
        Case("GET reports:index", {}, [200, 403, 403, 404, 200, "login"], query={"group": "other_group"}),
        Case("GET reports:index", {}, [200, 403, 403, 404, 200, "login"], query={"group": "sub_group"}),
        Case("GET reports:members_csv", {}, [200, 200, 403, 404, 200, "login"], query={"group": "admin_group"}),
        Case("GET reports:members_csv", {}, [200, 403, 403, 404, 200, "login"], query={"group": "other_group"}),
        Case("GET reports:activity_csv", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET reports:publications_csv", {}, [200, 200, 403, 404, 200, "login"], query={"group": "admin_group"}),
        Case("GET reports:attributes_csv", {}, [200, 403, 403, 404, 200, "login"], query={"group": "other_group"}),
        # Imports and exports belong to no group: the organization's admins' alone.
        Case("GET reports:jobs_csv", {}, [200, 403, 403, 404, 200, "login"]),
    ],
    "Manage groups-to-organization mapping (Settings)": [
        Case("GET settings:groups", {}, [200, 200, 403, 404, 200, "login"]),
        Case("GET settings:unmap_group", {"group_id": "admin_group"}, [200, 200, 403, 404, 200, "login"]),
        Case("GET settings:unmap_group", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case(
            "POST settings:unmap_group",
            {"group_id": "admin_group"},
            [302, 302, 403, 404, 302, "login"],
            done="admin_group_unmapped",
        ),
        Case(
            "POST settings:unmap_group",
            {"group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            done="other_group_unmapped",
        ),
        # A group mapped nowhere is mapped by whoever admins it (a superuser: any).
        Case(
            "POST settings:map_group", {"group_id": "volunteers"}, [404, 302, 403, 404, 302, "login"], done="volunteers"
        ),
        Case("POST settings:map_group", {"group_id": "drivers"}, [302, 404, 403, 404, 302, "login"], done="drivers"),
        # Mapping asks first: the page saying who would join.
        Case("GET settings:map_group", {"group_id": "volunteers"}, [404, 200, 403, 404, 200, "login"]),
        Case("GET settings:map_group", {"group_id": "drivers"}, [200, 404, 403, 404, 200, "login"]),
    ],
    # Not in the Kaizala table: creating and arranging groups, on Settings too.
    "Create and arrange groups": [
        Case("GET settings:create_group", {}, [200, 200, 403, 404, 200, "login"]),
        Case(
            "POST settings:create_group",
            {},
            [302, 302, 403, 404, 302, "login"],
            data={"name": "New", "parent": "admin_group", "admin_phone_number": NEW_NUMBER},
            done="created",
        ),
        # A group admin is not offered the sibling group as a parent: the form refuses it.
        Case(
            "POST settings:create_group",
            {},
            [302, 200, 403, 404, 302, "login"],
            data={"name": "New", "parent": "other_group", "admin_phone_number": NEW_NUMBER},
            done="created",
        ),
        Case("GET groups:move", {"group_id": "admin_group"}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:move", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case(
            "POST groups:move",
            {"group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            data={"parent": "admin_group"},
            done="other_group_moved",
        ),
    ],
    # Not in the Kaizala table either: renaming and deleting groups (section 5), on the group's page.
    # Like adding or removing its users: org admins any group, group admins those they directly admin.
    "Rename and delete groups": [
        Case("GET groups:rename", {"group_id": "admin_group"}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:rename", {"group_id": "sub_group"}, [200, 403, 403, 404, 200, "login"]),
        Case(
            "POST groups:rename",
            {"group_id": "admin_group"},
            [302, 302, 403, 404, 302, "login"],
            data={"name": "Renamed"},
            done="admin_group_renamed",
        ),
        Case(
            "POST groups:rename",
            {"group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            data={"name": "Renamed"},
            done="other_group_renamed",
        ),
        Case("GET groups:delete", {"group_id": "admin_group"}, [200, 200, 403, 404, 200, "login"]),
        Case("GET groups:delete", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case("POST groups:delete", {"group_id": "other_group"}, [302, 403, 403, 404, 302, "login"], done="other_gone"),
        Case("POST groups:delete", {"group_id": "sub_group"}, [302, 403, 403, 404, 302, "login"], done="sub_gone"),
    ],
    # Not in the Kaizala table: dynamic groups. A rule reaches anyone of the organization with the values it
    # asks for, beyond the groups one admins: the organization's admins alone.
    "Manage dynamic groups": [
        Case("GET groups:rule", {"group_id": "admin_group"}, [200, 403, 403, 404, 200, "login"]),
        Case("GET groups:rule", {"group_id": "other_group"}, [200, 403, 403, 404, 200, "login"]),
        Case(
            "POST groups:rule_preview",
            {"group_id": "admin_group"},
            [200, 403, 403, 404, 200, "login"],
            data=RULE_FORM,
        ),
        Case(
            "POST groups:rule",
            {"group_id": "admin_group"},
            [302, 403, 403, 404, 302, "login"],
            data=RULE_FORM,
            done="admin_group_dynamic",
        ),
        # An ordinary group has no rule to clear: back to it, with a word.
        Case("GET groups:clear_rule", {"group_id": "admin_group"}, [302, 403, 403, 404, 302, "login"]),
    ],
    "View connectors": [
        Case("GET connectors:list", {}, [200, 200, 200, 404, 200, "login"]),
        Case("GET connectors:detail", {"connector_id": "crm"}, [200, 200, 200, 404, 200, "login"]),
        Case("GET connectors:detail", {"connector_id": "helpdesk"}, [200, 200, 200, 404, 200, "login"]),
    ],
    "Publish or unpublish connectors": [
        Case(
            "POST connectors:publish",
            {"connector_id": "crm"},
            [302, 302, 403, 404, 302, "login"],
            data={"group": "admin_group"},
            done="crm_in_admin_group",
        ),
        Case(
            "POST connectors:publish",
            {"connector_id": "crm"},
            [302, 403, 403, 404, 302, "login"],
            data={"group": "other_group"},
            done="crm_in_other_group",
        ),
        Case(
            "GET connectors:unpublish",
            {"connector_id": "helpdesk", "group_id": "admin_group"},
            [200, 200, 403, 404, 200, "login"],
        ),
        Case(
            "POST connectors:unpublish",
            {"connector_id": "helpdesk", "group_id": "admin_group"},
            [302, 302, 403, 404, 302, "login"],
            done="helpdesk_left_admin_group",
        ),
        Case(
            "POST connectors:unpublish",
            {"connector_id": "helpdesk", "group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            done="helpdesk_left_other_group",
        ),
    ],
    "View actions": [
        Case("GET actions:list", {}, [200, 200, 200, 404, 200, "login"]),
        Case("GET actions:detail", {"action_id": "poll"}, [200, 200, 200, 404, 200, "login"]),
        Case("GET actions:detail", {"action_id": "checklist"}, [200, 200, 200, 404, 200, "login"]),
    ],
    "Publish or unpublish actions": [
        Case(
            "POST actions:publish",
            {"action_id": "poll"},
            [302, 302, 403, 404, 302, "login"],
            data={"group": "admin_group"},
            done="poll_in_admin_group",
        ),
        Case(
            "POST actions:publish",
            {"action_id": "poll"},
            [302, 403, 403, 404, 302, "login"],
            data={"group": "other_group"},
            done="poll_in_other_group",
        ),
        Case(
            "GET actions:unpublish",
            {"action_id": "checklist", "group_id": "admin_group"},
            [200, 200, 403, 404, 200, "login"],
        ),
        Case(
            "POST actions:unpublish",
            {"action_id": "checklist", "group_id": "admin_group"},
            [302, 302, 403, 404, 302, "login"],
            done="checklist_left_admin_group",
        ),
        Case(
            "POST actions:unpublish",
            {"action_id": "checklist", "group_id": "other_group"},
            [302, 403, 403, 404, 302, "login"],
            done="checklist_left_other_group",
        ),
    ],
}


@pytest.fixture
def world(organization, org_admin, group_admin, admin_group, member, outsider_member, other_org_admin, superuser):
    """Everyone and everything, so that no answer differs for lack of data."""
    other_group = GroupFactory(organization=organization, name="Sales South")
    GroupMembershipFactory(group=other_group, user=outsider_member, role=GroupMembership.Role.ADMIN)
    other_member = UserFactory()
    OrganizationUser.objects.create(organization=organization, user=other_member, name="Olga Other")
    GroupMembershipFactory(group=other_group, user=other_member)
    sub_group = GroupFactory(organization=organization, name="Sales North - Retail", parent=admin_group)
    GroupMembershipFactory(group=sub_group, user=org_admin, role=GroupMembership.Role.ADMIN)
    volunteers = GroupFactory(organization=None, name="Volunteers")
    GroupMembershipFactory(group=volunteers, user=group_admin, role=GroupMembership.Role.ADMIN)
    drivers = GroupFactory(organization=None, name="Drivers")
    GroupMembershipFactory(group=drivers, user=org_admin, role=GroupMembership.Role.ADMIN)
    poll = Action.objects.create(organization=organization, created_by=member, name="Lunch poll", kind="poll")
    checklist = Action.objects.create(organization=organization, created_by=org_admin, name="Audit", kind="checklist")
    crm = Connector.objects.create(
        organization=organization, created_by=member, name="CRM", callback_url="https://c.test"
    )
    helpdesk = Connector.objects.create(
        organization=organization, created_by=org_admin, name="Helpdesk", callback_url="https://h.test"
    )
    for group in (admin_group, other_group):
        ActionPublication.objects.create(action=checklist, group=group, published_by=org_admin)
        ConnectorPublication.objects.create(connector=helpdesk, group=group, published_by=org_admin)
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    return {
        "department": department,
        "organization": organization,
        "org_admin": org_admin,
        "group_admin": group_admin,
        "member": member,
        "other_org_admin": other_org_admin,
        "superuser": superuser,
        "admin_group": admin_group,
        "other_group": other_group,
        "other_member": other_member,
        "sub_group": sub_group,
        "volunteers": volunteers,
        "drivers": drivers,
        "poll": poll,
        "checklist": checklist,
        "crm": crm,
        "helpdesk": helpdesk,
    }


def _in_group(group, **user):
    return GroupMembership.objects.filter(group=group, **{f"user__{k}": v for k, v in user.items()})


DONE = {
    "deleted": lambda w: not OrganizationUser.objects.filter(user=w["other_member"]).exists(),
    "added_to_admin_group": lambda w: _in_group(w["admin_group"], phone_number=NEW_NUMBER).exists(),
    "added_to_other_group": lambda w: _in_group(w["other_group"], phone_number=NEW_NUMBER).exists(),
    "member_removed": lambda w: not _in_group(w["admin_group"], pk=w["member"].pk).exists(),
    "other_member_removed": lambda w: not _in_group(w["other_group"], pk=w["other_member"].pk).exists(),
    "member_promoted": lambda w: GroupMembership.objects.filter(
        group=w["admin_group"], user=w["member"], role="admin"
    ).exists(),
    "other_member_promoted": lambda w: GroupMembership.objects.filter(
        group=w["other_group"], user=w["other_member"], role="admin"
    ).exists(),
    "admin_group_unmapped": lambda w: Group.objects.get(pk=w["admin_group"].pk).organization_id is None,
    "other_group_unmapped": lambda w: Group.objects.get(pk=w["other_group"].pk).organization_id is None,
    "volunteers": lambda w: Group.objects.get(pk=w["volunteers"].pk).organization_id == w["organization"].pk,
    "drivers": lambda w: Group.objects.get(pk=w["drivers"].pk).organization_id == w["organization"].pk,
    "created": lambda w: Group.objects.filter(name="New", organization=w["organization"]).exists(),
    "admin_group_renamed": lambda w: Group.objects.get(pk=w["admin_group"].pk).name == "Renamed",
    "other_group_renamed": lambda w: Group.objects.get(pk=w["other_group"].pk).name == "Renamed",
    "other_gone": lambda w: not Group.objects.filter(pk=w["other_group"].pk).exists(),
    "sub_gone": lambda w: not Group.objects.filter(pk=w["sub_group"].pk).exists(),
    "admin_group_dynamic": lambda w: Group.objects.get(pk=w["admin_group"].pk).rule is not None,
    "other_group_moved": lambda w: Group.objects.get(pk=w["other_group"].pk).parent_id == w["admin_group"].pk,
    "poll_in_admin_group": lambda w: _published(ActionPublication, action=w["poll"], group=w["admin_group"]),
    "poll_in_other_group": lambda w: _published(ActionPublication, action=w["poll"], group=w["other_group"]),
    "checklist_left_admin_group": lambda w: (
        not _published(ActionPublication, action=w["checklist"], group=w["admin_group"])
    ),
    "checklist_left_other_group": lambda w: (
        not _published(ActionPublication, action=w["checklist"], group=w["other_group"])
    ),
    "crm_in_admin_group": lambda w: _published(ConnectorPublication, connector=w["crm"], group=w["admin_group"]),
    "crm_in_other_group": lambda w: _published(ConnectorPublication, connector=w["crm"], group=w["other_group"]),
    "helpdesk_left_admin_group": lambda w: (
        not _published(ConnectorPublication, connector=w["helpdesk"], group=w["admin_group"])
    ),
    "helpdesk_left_other_group": lambda w: (
        not _published(ConnectorPublication, connector=w["helpdesk"], group=w["other_group"])
    ),
}


def _published(publication_model, **where) -> bool:
    return publication_model.objects.filter(**where).exists()


CASES = [(row, case) for row, cases in MATRIX.items() for case in cases]


def _case_id(row_and_case) -> str:
    row, case = row_and_case
    target = ",".join([*case.kwargs.values(), *(f"{key}={value}" for key, value in (case.query or {}).items())])
    return f"{row}: {case.request}{f' {target}' if target else ''}{' ' + str(case.data) if case.data else ''}"


@pytest.mark.parametrize("row_and_case", CASES, ids=[_case_id(c) for c in CASES])
@pytest.mark.parametrize("person", PEOPLE)
def test_role_matrix(client, client_for, world, row_and_case, person):
    row, case = row_and_case
    method, url_name = case.request.split()
    kwargs = {"org_slug": world["organization"].slug}
    kwargs |= {arg: world[name].pk for arg, name in case.kwargs.items()}
    url = reverse(url_name, kwargs=kwargs)
    if case.query:
        url += "?" + urlencode({key: world[name].pk for key, name in case.query.items()})
    data = {key: str(world[value].pk) if value in world else value for key, value in (case.data or {}).items()}
    http = client if person == "anonymous" else client_for(world[person])

    response = http.get(url) if method == "GET" else http.post(url, data)

    want = case.expected[PEOPLE.index(person)]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{person}, {row}: {case.request} {case.kwargs}"
    if case.done:
        assert DONE[case.done](world) is (want == 302), (
            f"{person}, {row}: the write {'' if want == 302 else 'not '}done"
        )


# Denied actions are not offered: the button is hidden (and its URL refused, above).
BUTTONS = [
    # page, its arguments, the address that must (True) or must not (False) appear, per person
    ("groups:detail", {"group_id": "admin_group"}, "groups:add_members", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "groups:remove_member", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "groups:change_role", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "settings:unmap_group", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "groups:rename", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "groups:delete", [True, True, False, None, True]),
    ("groups:detail", {"group_id": "admin_group"}, "groups:rule", [True, False, False, None, True]),
    # Sales North is the group admin's only group: there is nowhere they could move it.
    ("groups:detail", {"group_id": "admin_group"}, "groups:move", [True, False, False, None, True]),
    ("groups:list", {}, "settings:groups", [True, True, False, None, True]),
    ("groups:list", {}, "settings:create_group", [True, True, False, None, True]),
    ("groups:list", {}, "users:list", [True, True, False, None, True]),
    ("groups:list", {}, "reports:index", [True, True, False, None, True]),
    ("groups:list", {}, "groups:user_mapping_template", [True, True, False, None, True]),
    ("groups:list", {}, "groups:parent_mapping_template", [True, True, False, None, True]),
    ("groups:list", {}, "groups:export_user_mapping", [True, True, False, None, True]),
    ("groups:list", {}, "groups:export_parent_mapping", [True, True, False, None, True]),
    ("groups:list", {}, "group_imports:upload_user_mapping", [True, True, False, None, True]),
    ("groups:list", {}, "group_imports:upload_parent_mapping", [True, True, False, None, True]),
    ("groups:list", {}, "group_imports:history", [True, True, False, None, True]),
    ("groups:hierarchy", {}, "groups:detail other_group", [True, False, False, None, True]),
    ("groups:hierarchy", {}, "groups:detail admin_group", [True, True, True, None, True]),
    # Publishing is offered to those whose role reaches a group; changing is the creator's and the org admins'.
    ("actions:detail", {"action_id": "poll"}, "actions:publish", [True, True, False, None, True]),
    ("actions:detail", {"action_id": "poll"}, "actions:delete", [True, False, True, None, True]),
    ("actions:detail", {"action_id": "checklist"}, "actions:delete", [True, False, False, None, True]),
    ("connectors:detail", {"connector_id": "crm"}, "connectors:publish", [True, True, False, None, True]),
    ("connectors:detail", {"connector_id": "crm"}, "connectors:rotate_secret", [True, False, True, None, True]),
    ("connectors:detail", {"connector_id": "helpdesk"}, "connectors:delete", [True, False, False, None, True]),
    ("groups:list", {}, "actions:list", [True, True, True, None, True]),
    ("groups:list", {}, "connectors:list", [True, True, True, None, True]),
]


@pytest.mark.parametrize(("page", "page_kwargs", "link", "expected"), BUTTONS, ids=[f"{b[0]} {b[2]}" for b in BUTTONS])
@pytest.mark.parametrize("person", PEOPLE[:-1])
def test_buttons_show_only_what_the_role_may_do(client_for, world, page, page_kwargs, link, expected, person):
    slug = {"org_slug": world["organization"].slug}
    want = expected[PEOPLE.index(person)]
    response = client_for(world[person]).get(reverse(page, kwargs=slug | _ids(world, page_kwargs)))
    if want is None:
        assert response.status_code == 404
        return
    link_name, *target = link.split()
    link_kwargs = _ids(world, {"group_id": target[0]} if target else page_kwargs)
    if link_name in ("groups:remove_member", "groups:change_role"):
        link_kwargs["user_id"] = world["member"].pk
    if (link_name.startswith("settings:") and link_name != "settings:unmap_group") or link_name.endswith(
        (":list", ":index")
    ):
        link_kwargs = {}
    href = reverse(link_name, kwargs=slug | link_kwargs)
    assert (f'href="{href}' in response.content.decode() or f'action="{href}"' in response.content.decode()) is want


def _ids(world, kwargs):
    return {arg: world[name].pk for arg, name in kwargs.items()}
