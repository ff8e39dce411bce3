"""Rules of groups: at least one admin each, no loops in the hierarchy, members added by phone number."""

import pytest

from groups import services
from groups.models import Group, GroupMembership
from users.models import OrganizationUser

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory, UserFactory


def test_add_members_rejects_each_bad_entry_with_its_reason_and_adds_the_rest(
    organization, org_admin, admin_group, member
):
    result = services.add_members(
        group=admin_group,
        phone_numbers=["098123 45678", "+91 98123 45678", "hello", "+91 98", member.phone_number, "+91 98123 45679"],
        added_by=org_admin,
    )

    assert sorted(m.user.phone_number for m in result.added) == ["+919812345678", "+919812345679"]
    assert [(r.entry, r.reason) for r in result.rejected] == [
        ("+91 98123 45678", "+91 98123 45678 is listed more than once."),
        ("hello", "This phone number is not a phone number."),
        ("+91 98", "This phone number is too short."),
        (member.phone_number, f"{member.phone_display} is already in Sales North."),
    ]
    assert all(m.role == GroupMembership.Role.MEMBER for m in result.added)


def test_a_new_member_keeps_the_account_they_have_and_joins_with_no_name_from_elsewhere(
    organization, other_organization, org_admin, admin_group
):
    person = UserFactory(own_name="Priya Sharma")
    OrganizationUserFactory(organization=other_organization, user=person, name="Priya S. (Fabrikam)")
    services.add_members(group=admin_group, phone_numbers=[person.phone_number], added_by=org_admin)
    person.refresh_from_db()
    assert person.own_name == "Priya Sharma" and person.has_usable_password()
    assert OrganizationUser.objects.get(organization=organization, user=person).name == ""
    assert OrganizationUser.objects.get(organization=other_organization, user=person).name == "Priya S. (Fabrikam)"


def test_the_only_admin_cannot_be_removed_or_revoked(organization, org_admin, group_admin, admin_group):
    membership = GroupMembership.objects.get(group=admin_group, user=group_admin)

    with pytest.raises(services.GroupRuleBroken, match="Ravi Groupadmin is the only admin of Sales North"):
        services.remove_member(membership=membership, removed_by=org_admin)
    with pytest.raises(services.GroupRuleBroken, match="a group keeps at least one admin"):
        services.set_member_role(membership=membership, role="member", changed_by=org_admin)

    membership.refresh_from_db()
    assert membership.role == GroupMembership.Role.ADMIN


def test_an_admin_can_step_down_once_there_is_another(organization, org_admin, group_admin, member, admin_group):
    promoted = services.set_member_role(
        membership=GroupMembership.objects.get(group=admin_group, user=member), role="admin", changed_by=group_admin
    )
    assert promoted.role == GroupMembership.Role.ADMIN

    services.set_member_role(
        membership=GroupMembership.objects.get(group=admin_group, user=group_admin), role="member", changed_by=org_admin
    )
    assert list(admin_group.memberships.filter(role="admin").values_list("user", flat=True)) == [member.pk]


def test_a_group_is_created_with_its_first_admin_and_mapped_to_the_organization(organization, org_admin):
    parent = GroupFactory(organization=organization, name="Field Staff")

    group = services.create_group(
        organization=organization,
        name="  North  ",
        parent=parent,
        admin_phone_number="098123 45678",
        created_by=org_admin,
    )

    assert (group.name, group.parent, group.organization) == ("North", parent, organization)
    admin = group.memberships.get()
    assert admin.role == GroupMembership.Role.ADMIN and admin.user.phone_number == "+919812345678"
    assert organization.memberships.filter(user=admin.user, added_directly=False).exists()


def test_a_subgroup_of_another_organizations_group_is_refused(organization, other_organization, org_admin):
    theirs = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    with pytest.raises(services.GroupRuleBroken, match="Fabrikam Crew is not a group of Contoso"):
        services.create_group(
            organization=organization,
            name="Mine",
            parent=theirs,
            admin_phone_number="+919812345678",
            created_by=org_admin,
        )
    assert not Group.objects.filter(name="Mine").exists()


@pytest.fixture
def tree(organization):
    """Field Staff > North > Clinics, and Head Office."""
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North", parent=field_staff)
    clinics = GroupFactory(organization=organization, name="Clinics", parent=north)
    head_office = GroupFactory(organization=organization, name="Head Office")
    return field_staff, north, clinics, head_office


def test_moving_a_group_takes_its_subgroups_along(org_admin, tree):
    field_staff, north, clinics, head_office = tree
    services.move_group(group=north, parent=head_office, moved_by=org_admin)
    north.refresh_from_db()
    clinics.refresh_from_db()
    assert north.parent == head_office and clinics.parent == north
    services.move_group(group=north, parent=None, moved_by=org_admin)
    north.refresh_from_db()
    assert north.parent is None


@pytest.mark.parametrize(
    ("new_parent", "message"),
    [
        ("field_staff", "Field Staff cannot be its own parent."),
        ("north", "Field Staff cannot go under North: North is inside Field Staff, so the hierarchy would loop."),
        ("clinics", "Field Staff cannot go under Clinics: Clinics is inside Field Staff, so the hierarchy would loop."),
    ],
)
def test_a_group_can_never_become_its_own_ancestor(org_admin, tree, new_parent, message):
    field_staff, north, clinics, _ = tree
    parent = {"field_staff": field_staff, "north": north, "clinics": clinics}[new_parent]

    with pytest.raises(services.GroupRuleBroken) as refused:
        services.move_group(group=field_staff, parent=parent, moved_by=org_admin)

    assert str(refused.value) == message
    assert [g.parent_id for g in Group.objects.order_by("pk")] == [None, field_staff.pk, north.pk, None]


def test_mapping_a_group_mapped_elsewhere_is_refused(organization, other_organization, org_admin):
    theirs = GroupFactory(organization=other_organization)
    with pytest.raises(services.GroupRuleBroken, match="mapped to another organization"):
        services.map_group(group=theirs, organization=organization, mapped_by=org_admin)
    theirs.refresh_from_db()
    assert theirs.organization == other_organization


def test_deleting_the_only_admin_of_a_group_from_the_organization_is_refused(organization, org_admin, group_admin):
    from users.services import CannotRemoveUser, delete_org_user

    with pytest.raises(CannotRemoveUser, match="Ravi Groupadmin is the only admin of Sales North"):
        delete_org_user(org_user=group_admin.memberships.get(), deleted_by=org_admin)
    assert GroupMembership.objects.filter(user=group_admin).exists()


def test_deleting_a_user_removes_them_from_every_group_of_the_organization_only(
    organization, other_organization, org_admin, group_admin, admin_group
):
    from users.services import delete_org_user

    second_admin = GroupMembershipFactory(group=admin_group, role=GroupMembership.Role.ADMIN).user
    night_shift = GroupFactory(organization=organization, name="Night Shift")
    GroupMembershipFactory(group=night_shift, user=group_admin)
    GroupMembershipFactory(group=GroupFactory(organization=other_organization), user=group_admin)

    summary = delete_org_user(org_user=group_admin.memberships.get(), deleted_by=org_admin)

    assert summary.group_names == ["Night Shift", "Sales North"]
    assert list(group_admin.group_memberships.values_list("group__organization", flat=True)) == [other_organization.pk]
    assert admin_group.memberships.filter(user=second_admin).exists()
