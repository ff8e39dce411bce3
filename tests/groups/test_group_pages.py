"""The Groups pages: the list, the hierarchy, a group's page and managing its members."""

import re

import pytest
from django.urls import reverse

from groups.models import Group, GroupMembership
from users.models import OrganizationUser, User

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def group_url(name, group, **kwargs):
    return url(name, group.organization, group_id=group.pk, **kwargs)


def snapshot():
    """Everything a group change could touch, to show that a refused one touched nothing."""
    return (
        sorted(GroupMembership.objects.values_list("group_id", "user_id", "role")),
        sorted(OrganizationUser.objects.values_list("organization_id", "user_id", "added_directly")),
        User.objects.count(),
        sorted(Group.objects.values_list("pk", "parent_id", "organization_id")),
    )


@pytest.fixture
def tree(organization, org_admin, admin_group):
    """Field Staff > (Sales North > Retail, South); Head Office. Org admin admins all but Sales North."""
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    admin_group.parent = field_staff
    admin_group.save()
    retail = GroupFactory(organization=organization, name="Retail", parent=admin_group)
    south = GroupFactory(organization=organization, name="South", parent=field_staff)
    head_office = GroupFactory(organization=organization, name="Head Office")
    for group in (field_staff, retail, south, head_office):
        GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    return {"field_staff": field_staff, "retail": retail, "south": south, "head_office": head_office}


# The list


def test_org_admin_lists_every_group_with_member_counts(client_for, organization, org_admin, group_admin, tree):
    GroupFactory(organization=None, name="Unmapped")
    response = client_for(org_admin).get(url("groups:list", organization))
    rows = {
        group.name: (group.member_count, group.admin_count, group.viewer_role) for group in response.context["page"]
    }
    assert rows == {
        "Field Staff": (1, 1, "admin"),
        "Retail": (1, 1, "admin"),
        "South": (1, 1, "admin"),
        "Head Office": (1, 1, "admin"),
        "Sales North": (1, 1, None),
    }
    assert "Every group of Contoso: 5 groups." in response.content.decode()


def test_a_group_admin_lands_on_the_groups_they_administer(client_for, organization, group_admin, member, tree):
    response = client_for(group_admin).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == url("groups:list", organization)
    assert [(g.name, g.member_count, g.viewer_role) for g in response.context["page"]] == [("Sales North", 2, "admin")]
    assert group_url("groups:add_members", tree["retail"].parent) in response.content.decode()


def test_a_group_admin_also_sees_groups_they_are_only_a_member_of_but_cannot_manage_them(
    client_for, organization, group_admin, tree
):
    GroupMembershipFactory(group=tree["head_office"], user=group_admin)
    client = client_for(group_admin)
    listed = client.get(url("groups:list", organization))
    assert [(g.name, g.viewer_role) for g in listed.context["page"]] == [
        ("Sales North", "admin"),
        ("Head Office", "member"),
    ]
    assert client.get(group_url("groups:detail", tree["head_office"])).status_code == 200
    assert client.get(group_url("groups:add_members", tree["head_office"])).status_code == 403


def test_a_member_lists_only_their_own_groups(client_for, organization, member, tree):
    response = client_for(member).get(url("groups:list", organization))
    assert [g.name for g in response.context["page"]] == ["Sales North"]
    assert "Add members" not in response.content.decode()


def test_the_old_my_groups_address_leads_to_the_groups_list(client_for, organization, member):
    response = client_for(member).get(url("groups:mine", organization))
    assert response.status_code == 302 and response["Location"] == url("groups:list", organization)


# The hierarchy


def test_everyone_sees_the_whole_hierarchy_in_tree_order_but_opens_only_their_groups(
    client_for, organization, other_organization, member, tree
):
    GroupFactory(organization=other_organization, name="Fabrikam Crew", parent=tree["field_staff"])
    GroupFactory(organization=None, name="Unmapped", parent=tree["head_office"])
    response = client_for(member).get(url("groups:hierarchy", organization))

    assert [(row.group.name, row.depth, visible) for row, visible in response.context["rows"]] == [
        ("Field Staff", 0, False),
        ("Sales North", 1, True),
        ("Retail", 2, False),
        ("South", 1, False),
        ("Head Office", 0, False),
    ]
    content = response.content.decode()
    assert "Fabrikam Crew" not in content and "Unmapped" not in content
    assert group_url("groups:detail", tree["retail"].parent) in content
    assert group_url("groups:detail", tree["south"]) not in content


def test_a_group_whose_parent_is_in_no_organization_stands_at_the_top(client_for, organization, org_admin):
    unmapped_parent = GroupFactory(organization=None, name="Elsewhere")
    GroupFactory(organization=organization, name="Orphan", parent=unmapped_parent)
    response = client_for(org_admin).get(url("groups:hierarchy", organization))
    assert [(row.group.name, row.depth) for row, _ in response.context["rows"]] == [("Orphan", 0)]


# A group's page


def test_a_group_page_lists_members_admins_first_with_their_roles(
    client_for, organization, member, group_admin, admin_group, tree
):
    response = client_for(member).get(group_url("groups:detail", admin_group))
    assert [(m.name, m.get_role_display()) for m in response.context["page"]] == [
        ("Ravi Groupadmin", "Admin"),
        ("Meera Member", "Member"),
    ]
    content = response.content.decode()
    assert "Field Staff" in content and "Retail" in content
    assert "Make admin" not in content and "Remove" not in content


def test_another_organizations_group_is_not_found_through_this_one(
    client_for, organization, other_organization, org_admin, other_org_admin
):
    theirs = GroupFactory(organization=other_organization)
    mine = GroupFactory(organization=organization)
    assert client_for(org_admin).get(url("groups:detail", organization, group_id=theirs.pk)).status_code == 404
    assert (
        client_for(other_org_admin).get(url("groups:detail", other_organization, group_id=mine.pk)).status_code == 404
    )
    response = client_for(org_admin).post(
        url("groups:add_members", organization, group_id=theirs.pk), {"phone_numbers": "+91 98123 45678"}
    )
    assert response.status_code == 404
    assert not theirs.memberships.exists()


# Adding members


def test_group_admin_adds_members_by_a_comma_separated_list(client_for, organization, group_admin, admin_group):
    existing = OrganizationUserFactory(organization=organization, name="Priya Sharma").user
    response = client_for(group_admin).post(
        group_url("groups:add_members", admin_group),
        {"phone_numbers": f"{existing.phone_number}, 098123 45678"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == group_url("groups:detail", admin_group)
    assert "Added 2 members to Sales North. 1 person joined Contoso." in response.content.decode()
    newcomer = OrganizationUser.objects.get(organization=organization, user__phone_number="+919812345678")
    assert not newcomer.added_directly and newcomer.added_by == group_admin
    assert admin_group.memberships.filter(user=existing, role="member").exists()


def test_bad_entries_are_listed_back_with_their_reasons_and_only_good_ones_added(
    client_for, organization, group_admin, member, admin_group
):
    response = client_for(group_admin).post(
        group_url("groups:add_members", admin_group),
        {"phone_numbers": f"+91 98123 45678, hello, +91 98123-45678, {member.phone_number}"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Added 1 member; 1 of them joined Contoso." in content
    assert "3 entries were not added" in content
    assert "This phone number is not a phone number." in content
    assert "+91 98123 45678 is listed more than once." in content
    assert f"{member.phone_display} is already in Sales North." in content
    assert admin_group.memberships.count() == 3


def test_a_list_of_only_bad_entries_changes_nothing(client_for, organization, group_admin, member, admin_group):
    before = snapshot()
    response = client_for(group_admin).post(
        group_url("groups:add_members", admin_group), {"phone_numbers": f"+91 98, {member.phone_number}"}
    )
    content = response.content.decode()
    assert "2 entries were not added" in content and "This phone number is too short." in content
    assert "Added" not in content
    assert snapshot() == before


def test_an_empty_list_is_refused_beside_the_field(client_for, organization, group_admin, admin_group):
    before = snapshot()
    response = client_for(group_admin).post(group_url("groups:add_members", admin_group), {"phone_numbers": " , "})
    assert "Enter at least one phone number." in response.content.decode()
    assert snapshot() == before


def test_group_admin_cannot_add_to_another_group_of_the_organization(client_for, organization, group_admin, tree):
    before = snapshot()
    response = client_for(group_admin).post(
        group_url("groups:add_members", tree["south"]), {"phone_numbers": "+91 98123 45678"}
    )
    assert response.status_code == 403
    assert "Your role in this group does not allow this." in response.content.decode()
    assert snapshot() == before


# Removing members


def test_removing_a_member_asks_first_and_says_they_stay_in_the_organization(
    client_for, organization, group_admin, member, admin_group
):
    client = client_for(group_admin)
    confirm = client.get(group_url("groups:remove_member", admin_group, user_id=member.pk)).content.decode()
    assert "Remove Meera Member from Sales North?" in confirm
    assert "They stay in Contoso" in confirm
    assert admin_group.memberships.filter(user=member).exists()

    response = client.post(group_url("groups:remove_member", admin_group, user_id=member.pk), follow=True)

    assert "Removed Meera Member from Sales North." in response.content.decode()
    assert not admin_group.memberships.filter(user=member).exists()
    assert OrganizationUser.objects.filter(organization=organization, user=member).exists()


def test_removing_someone_who_came_only_through_the_group_says_they_leave_the_organization(
    client_for, organization, group_admin, admin_group
):
    client = client_for(group_admin)
    client.post(group_url("groups:add_members", admin_group), {"phone_numbers": "+91 98123 45678"})
    newcomer = User.objects.get(phone_number="+919812345678")

    confirm = client.get(group_url("groups:remove_member", admin_group, user_id=newcomer.pk)).content.decode()
    assert "so <strong>they also leave Contoso</strong>" in confirm

    response = client.post(group_url("groups:remove_member", admin_group, user_id=newcomer.pk), follow=True)
    assert "They are no longer in Contoso." in response.content.decode()
    assert not OrganizationUser.objects.filter(organization=organization, user=newcomer).exists()


def test_the_last_admin_cannot_be_removed_and_is_told_why(
    client_for, organization, org_admin, group_admin, admin_group
):
    before = snapshot()
    client = client_for(org_admin)
    address = group_url("groups:remove_member", admin_group, user_id=group_admin.pk)
    confirm = client.get(address).content.decode()
    assert "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin." in confirm
    assert "Remove from group" not in confirm

    response = client.post(address, follow=True)

    assert "Ravi Groupadmin is the only admin of Sales North" in response.content.decode()
    assert snapshot() == before


def test_a_group_admin_who_steps_out_of_their_group_is_taken_to_their_landing(
    client_for, organization, group_admin, member, admin_group
):
    GroupMembership.objects.filter(group=admin_group, user=member).update(role="admin")
    response = client_for(group_admin).post(
        group_url("groups:remove_member", admin_group, user_id=group_admin.pk), follow=True
    )
    assert "Removed Ravi Groupadmin from Sales North." in response.content.decode()
    # Still in the organization (added directly), now in no group.
    assert response.redirect_chain[-1][0] == url("groups:list", organization)


# Group admins


def test_making_and_revoking_a_group_admin(client_for, organization, group_admin, member, admin_group):
    client = client_for(group_admin)
    address = group_url("groups:change_role", admin_group, user_id=member.pk)

    made = client.post(address, {"role": "admin"}, follow=True)
    assert "Meera Member is now an admin of Sales North." in made.content.decode()
    assert "Revoke admin" in made.content.decode()

    revoked = client.post(address, {"role": "member"}, follow=True)
    assert "Meera Member is no longer an admin of Sales North." in revoked.content.decode()
    assert admin_group.memberships.get(user=member).role == "member"


def test_revoking_the_last_admin_is_refused_with_a_message(
    client_for, organization, org_admin, group_admin, admin_group
):
    before = snapshot()
    response = client_for(org_admin).post(
        group_url("groups:change_role", admin_group, user_id=group_admin.pk), {"role": "member"}, follow=True
    )
    assert "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin." in (
        response.content.decode()
    )
    assert snapshot() == before


def test_an_unknown_role_is_refused(client_for, organization, group_admin, member, admin_group):
    before = snapshot()
    response = client_for(group_admin).post(
        group_url("groups:change_role", admin_group, user_id=member.pk), {"role": "owner"}, follow=True
    )
    assert "Choose Admin or Member." in response.content.decode()
    assert snapshot() == before


def test_changing_roles_needs_a_post(client_for, organization, group_admin, member, admin_group):
    response = client_for(group_admin).get(group_url("groups:change_role", admin_group, user_id=member.pk))
    assert response.status_code == 405


# Moving groups


def test_org_admin_moves_a_group_under_another(client_for, organization, org_admin, tree):
    response = client_for(org_admin).post(
        group_url("groups:move", tree["south"]), {"parent": tree["head_office"].pk}, follow=True
    )
    assert "Moved South under Head Office." in response.content.decode()
    tree["south"].refresh_from_db()
    assert tree["south"].parent == tree["head_office"]


def test_moving_a_group_under_its_own_subgroup_is_refused_with_a_message(
    client_for, organization, org_admin, admin_group, tree
):
    before = snapshot()
    response = client_for(org_admin).post(group_url("groups:move", tree["field_staff"]), {"parent": tree["retail"].pk})
    assert response.status_code == 200
    assert (
        "Field Staff cannot go under Retail: Retail is inside Field Staff, so the hierarchy would loop."
        in response.content.decode()
    )
    assert snapshot() == before


def test_a_group_admin_moves_only_between_groups_they_admin(client_for, organization, group_admin, admin_group, tree):
    client = client_for(group_admin)
    # Sales North sits under Field Staff, which Ravi does not admin: he may not take it out.
    assert client.get(group_url("groups:move", admin_group)).status_code == 403
    ravis_top = GroupFactory(organization=organization, name="Ravi's Team")
    GroupMembershipFactory(group=ravis_top, user=group_admin, role=GroupMembership.Role.ADMIN)
    client = client_for(group_admin)

    page = client.get(group_url("groups:move", ravis_top))
    assert [g.name for g in page.context["form"].fields["parent"].queryset] == ["Sales North"]
    refused = client.post(group_url("groups:move", ravis_top), {"parent": tree["south"].pk})
    assert "Select a valid choice." in refused.content.decode()
    client.post(group_url("groups:move", ravis_top), {"parent": admin_group.pk})
    ravis_top.refresh_from_db()
    assert ravis_top.parent == admin_group


# The Users list


def test_users_list_shows_each_person_once_with_where_they_come_from(
    client_for, organization, org_admin, member, admin_group, tree
):
    GroupMembershipFactory(group=tree["south"], user=member)
    client = client_for(org_admin)
    client.post(group_url("groups:add_members", admin_group), {"phone_numbers": "+91 98123 45678"})
    client.post(reverse("users:columns", kwargs={"org_slug": organization.slug}), {"columns": ["source"]})

    response = client.get(reverse("users:list", kwargs={"org_slug": organization.slug}))

    rows = {o.user.phone_number: o for o in response.context["page"]}
    assert len(rows) == len(response.context["page"]) == 3  # the org admin, Meera, the newcomer
    content = response.content.decode()
    assert "Added directly, Via group Sales North, Via group South" in content
    assert re.search(r"<td>Via group Sales North\s*</td>", content)  # the newcomer: only through the group


def test_a_move_from_a_page_opened_before_someone_else_moved_the_group_is_refused(
    client_for, organization, org_admin, tree
):
    opened = client_for(org_admin).get(group_url("groups:move", tree["south"]))
    seen_version = opened.context["form"].initial["version"]
    tree["south"].parent = tree["head_office"]  # another admin's move, meanwhile
    tree["south"].save()

    response = client_for(org_admin).post(
        group_url("groups:move", tree["south"]), {"parent": "", "version": seen_version}
    )

    assert "South was moved since you opened this page: it is now under Head Office." in response.content.decode()
    tree["south"].refresh_from_db()
    assert tree["south"].parent == tree["head_office"]
