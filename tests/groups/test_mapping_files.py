"""Bulk Upload Users on the Groups page: the two CSV templates, and Export Existing Groups in their columns.

Contoso's hierarchy has three levels and a name that repeats in two places:
Field Staff > North > Mobile Clinics, Sales > North, and Head Office. Fabrikam has a
Field Staff of its own, with people of its own, and one of Contoso's groups sits under
a Fabrikam group.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from groups import mapping_files, selectors
from groups.models import GroupMembership
from imports.formulas import FORMULA_STARTS, restore
from kaizala_portal import policy

from ..factories import GroupFactory, GroupMembershipFactory, UserFactory

ADMIN, MEMBER = GroupMembership.Role.ADMIN, GroupMembership.Role.MEMBER
DOWNLOADS = [
    "groups:user_mapping_template",
    "groups:parent_mapping_template",
    "groups:export_user_mapping",
    "groups:export_parent_mapping",
]


def url(name, organization):
    return reverse(name, kwargs={"org_slug": organization.slug})


def body_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8")


def rows_of(response) -> list[list[str]]:
    text = body_of(response)
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def person(phone_number):
    return UserFactory(phone_number=phone_number)


@pytest.fixture
def hierarchy(organization, other_organization, org_admin, group_admin, member):
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North", parent=field_staff)
    clinics = GroupFactory(organization=organization, name="Mobile Clinics", parent=north)
    sales = GroupFactory(organization=organization, name="Sales")
    sales_north = GroupFactory(organization=organization, name="North", parent=sales)
    head_office = GroupFactory(organization=organization, name="Head Office")
    fabrikam_staff = GroupFactory(organization=other_organization, name="Field Staff")
    loaned = GroupFactory(organization=organization, name="Loaned", parent=fabrikam_staff)

    GroupMembershipFactory(group=field_staff, user=person("+917700000001"), role=ADMIN)
    GroupMembershipFactory(group=field_staff, user=person("+917700000002"))
    # The group admin runs Field Staff / North, and is a plain member of Head Office.
    GroupMembershipFactory(group=north, user=group_admin, role=ADMIN)
    GroupMembershipFactory(group=north, user=member)
    GroupMembershipFactory(group=north, user=person("+917700000003"))
    GroupMembershipFactory(group=clinics, user=person("+917700000004"), role=ADMIN)
    GroupMembershipFactory(group=clinics, user=member)
    GroupMembershipFactory(group=sales_north, user=person("+917700000005"), role=ADMIN)
    GroupMembershipFactory(group=head_office, user=org_admin, role=ADMIN)
    GroupMembershipFactory(group=head_office, user=group_admin)
    GroupMembershipFactory(group=loaned, user=person("+917700000006"), role=ADMIN)
    GroupMembershipFactory(group=fabrikam_staff, user=person("+917700000009"), role=ADMIN)
    return {"north": north, "clinics": clinics, "fabrikam_staff": fabrikam_staff}


# The templates


def test_the_user_group_mapping_template_names_groups_by_path_with_an_example_and_instructions(
    client_for, organization, org_admin
):
    response = client_for(org_admin).get(url("groups:user_mapping_template", organization))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="contoso-user-group-mapping-template.csv"'
    header, example = rows_of(response)
    assert header == ["Group", "Phone Number", "User Type"]
    group, phone_number, user_type, note = example
    # The number starts with "+": guarded like any text, and read back as typed.
    assert [group, restore(phone_number), user_type] == ["Field Staff / North", "+91 98123 45678", "member"]
    assert note.startswith("← An example row, ignored on import.")
    assert 'Group: the group\'s path, its name after the names of the groups above it joined by " / "' in note
    assert "The same name may sit in several places of the hierarchy; a path names one group." in note
    assert "One row per person and group; a file may hold many groups." in note
    assert "User Type: admin or member." in note


def test_the_parent_group_mapping_template_names_both_groups_by_path(client_for, organization, org_admin):
    response = client_for(org_admin).get(url("groups:parent_mapping_template", organization))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contoso-parent-group-mapping-template.csv"'
    header, example = rows_of(response)
    assert header == ["Child Group", "Parent Group"]
    assert example[:2] == ["Field Staff / North", "Field Staff"]
    assert "Child Group: the group's path, its name after the names of the groups above it" in example[2]
    assert "Parent Group: the path of the group it sits under; empty for a top-level group." in example[2]


# Export Existing Groups


def test_org_admin_exports_every_membership_of_the_organization_by_path_then_number(
    client_for, organization, org_admin, group_admin, member, hierarchy
):
    response = client_for(org_admin).get(url("groups:export_user_mapping", organization))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="contoso-user-group-mapping-')
    header, *rows = rows_of(response)
    assert header == ["Group", "Phone Number", "User Type"]
    assert [[group, restore(phone_number), user_type] for group, phone_number, user_type in rows] == [
        ["Field Staff", "+917700000001", "admin"],
        ["Field Staff", "+917700000002", "member"],
        *sorted(
            [
                ["Field Staff / North", group_admin.phone_number, "admin"],
                ["Field Staff / North", member.phone_number, "member"],
                ["Field Staff / North", "+917700000003", "member"],
            ],
            key=lambda row: row[1],
        ),
        *sorted(
            [
                ["Field Staff / North / Mobile Clinics", "+917700000004", "admin"],
                ["Field Staff / North / Mobile Clinics", member.phone_number, "member"],
            ],
            key=lambda row: row[1],
        ),
        *sorted(
            [
                ["Head Office", org_admin.phone_number, "admin"],
                ["Head Office", group_admin.phone_number, "member"],
            ],
            key=lambda row: row[1],
        ),
        # Under a group of Fabrikam: at the top of Contoso's hierarchy, as the tree shows it.
        ["Loaned", "+917700000006", "admin"],
        ["Sales / North", "+917700000005", "admin"],
        *sorted(
            [["Sales North", group_admin.phone_number, "admin"], ["Sales North", member.phone_number, "member"]],
            key=lambda row: row[1],
        ),
    ]
    # Fabrikam's Field Staff shares a name with Contoso's, never its place in the file.
    assert "+917700000009" not in body_of(client_for(org_admin).get(url("groups:export_user_mapping", organization)))


def test_the_exported_memberships_are_exactly_those_of_the_database_in_e164(
    client_for, organization, org_admin, hierarchy
):
    rows = rows_of(client_for(org_admin).get(url("groups:export_user_mapping", organization)))[1:]

    exported = {(group, restore(phone_number), user_type) for group, phone_number, user_type in rows}
    memberships = GroupMembership.objects.filter(group__organization=organization).select_related("group", "user")
    paths = selectors.paths_of({membership.group for membership in memberships})
    stored = {(paths[m.group_id], m.user.phone_number, m.role) for m in memberships}
    assert exported == stored
    assert len(rows) == len(stored)
    assert all(phone_number.startswith("'+") and phone_number[2:].isdigit() for _, phone_number, _ in rows)


def test_org_admin_exports_the_hierarchy_as_child_and_parent_paths(client_for, organization, org_admin, hierarchy):
    response = client_for(org_admin).get(url("groups:export_parent_mapping", organization))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="contoso-parent-group-mapping-')
    assert rows_of(response) == [
        ["Child Group", "Parent Group"],
        ["Field Staff", ""],
        ["Field Staff / North", "Field Staff"],
        ["Field Staff / North / Mobile Clinics", "Field Staff / North"],
        ["Head Office", ""],
        # Its parent is Fabrikam's: not Contoso's to name.
        ["Loaned", ""],
        ["Sales", ""],
        ["Sales / North", "Sales"],
        ["Sales North", ""],
    ]


def test_a_group_admin_exports_only_the_groups_they_directly_admin(
    client_for, organization, group_admin, member, hierarchy
):
    client = client_for(group_admin)

    memberships = rows_of(client.get(url("groups:export_user_mapping", organization)))
    parents = rows_of(client.get(url("groups:export_parent_mapping", organization)))

    # Not Head Office, where they are a member, nor Mobile Clinics under their group, which others admin.
    assert [[group, restore(phone_number), user_type] for group, phone_number, user_type in memberships[1:]] == sorted(
        [
            ["Field Staff / North", group_admin.phone_number, "admin"],
            ["Field Staff / North", member.phone_number, "member"],
            ["Field Staff / North", "+917700000003", "member"],
        ],
        key=lambda row: row[1],
    ) + sorted(
        [["Sales North", group_admin.phone_number, "admin"], ["Sales North", member.phone_number, "member"]],
        key=lambda row: row[1],
    )
    # The group above theirs is named, as the hierarchy shows it to everyone.
    assert parents[1:] == [["Field Staff / North", "Field Staff"], ["Sales North", ""]]


def test_the_templates_are_for_group_admins_too(client_for, organization, group_admin):
    client = client_for(group_admin)
    for name in ("groups:user_mapping_template", "groups:parent_mapping_template"):
        assert client.get(url(name, organization)).status_code == 200


@pytest.mark.parametrize("name", DOWNLOADS)
def test_a_member_gets_none_of_the_files(client_for, organization, member, hierarchy, name):
    response = client_for(member).get(url(name, organization))

    assert response.status_code == 403
    assert "Your role in this organization does not allow this." in response.content.decode()
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("name", DOWNLOADS)
def test_another_organizations_admin_finds_nothing(client_for, organization, other_org_admin, hierarchy, name):
    assert client_for(other_org_admin).get(url(name, organization)).status_code == 404


def test_group_names_that_look_like_formulas_stay_text_and_read_back_as_their_paths(
    client_for, organization, org_admin
):
    formula = GroupFactory(organization=organization, name='=HYPERLINK("http://x","y")')
    under = GroupFactory(organization=organization, name="@SUM(A1)", parent=formula)
    GroupMembershipFactory(group=under, user=person("+917700000007"), role=ADMIN)
    client = client_for(org_admin)

    memberships = rows_of(client.get(url("groups:export_user_mapping", organization)))
    parents = rows_of(client.get(url("groups:export_parent_mapping", organization)))

    for row in memberships + parents:
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row
    assert [restore(cell) for cell in memberships[1]] == [
        '=HYPERLINK("http://x","y") / @SUM(A1)',
        "+917700000007",
        "admin",
    ]
    assert [[restore(cell) for cell in row] for row in parents[1:]] == [
        ['=HYPERLINK("http://x","y")', ""],
        ['=HYPERLINK("http://x","y") / @SUM(A1)', '=HYPERLINK("http://x","y")'],
    ]


def test_the_exports_are_named_for_the_moment_in_the_organizations_zone(
    client_for, organization, org_admin, monkeypatch
):
    organization.time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow at 11:00 UTC
    organization.save()
    today = timezone.now().date()
    monkeypatch.setattr(timezone, "now", lambda: datetime(today.year, today.month, today.day, 11, 0, 5, tzinfo=UTC))
    tomorrow = today + timedelta(days=1)
    client = client_for(org_admin)

    for name, kind in [("groups:export_user_mapping", "user"), ("groups:export_parent_mapping", "parent")]:
        disposition = client.get(url(name, organization))["Content-Disposition"]
        assert disposition == f'attachment; filename="contoso-{kind}-group-mapping-{tomorrow:%Y-%m-%d}-010005.csv"'


def test_an_organization_without_groups_exports_the_headers_alone(client_for, organization, org_admin):
    client = client_for(org_admin)
    assert rows_of(client.get(url("groups:export_user_mapping", organization))) == [
        ["Group", "Phone Number", "User Type"]
    ]
    assert rows_of(client.get(url("groups:export_parent_mapping", organization))) == [["Child Group", "Parent Group"]]


def test_the_export_keeps_path_order_across_its_queries_and_reads(
    client_for, organization, org_admin, monkeypatch, settings
):
    """Fewer groups per query and rows per read than the file holds: the order is still by path, then number."""
    monkeypatch.setattr("groups.selectors.EXPORT_GROUPS_PER_QUERY", 2)
    settings.EXPORT_CHUNK_SIZE = 3
    # Created in the reverse of their order in the file, their members too.
    for letter in "EDCBA":
        group = GroupFactory(organization=organization, name=f"Team {letter}")
        for n in (3, 2, 1):
            GroupMembershipFactory(group=group, user=person(f"+9197{ord(letter):03d}0000{n}"))

    rows = rows_of(client_for(org_admin).get(url("groups:export_user_mapping", organization)))[1:]

    assert [(group, restore(phone_number)) for group, phone_number, _ in rows] == [
        (f"Team {letter}", f"+9197{ord(letter):03d}0000{n}") for letter in "ABCDE" for n in (1, 2, 3)
    ]


def test_a_long_export_is_streamed_in_blocks(organization, org_admin, monkeypatch):
    monkeypatch.setattr(mapping_files, "BLOCK_SIZE", 100)
    group = GroupFactory(organization=organization, name="Field Staff")
    for n in range(20):
        GroupMembershipFactory(group=group, user=person(f"+9197000000{n:02d}"))

    blocks = list(
        mapping_files.user_mapping_lines(selectors.bulk_groups_of(policy.viewer_for(org_admin, organization)))
    )

    assert len(blocks) > 5
    assert all(len(block) < 200 for block in blocks)
    assert len(list(csv.reader(io.StringIO("".join(blocks).lstrip("\ufeff"))))) == 21
