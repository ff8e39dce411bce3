"""Who is in an organization through its groups (DESIGN.md section 3), kept in step by the group services."""

import pytest

from groups import selectors, services
from groups.models import GroupMembership
from users.models import OrganizationUser, UserListPreference
from users.services import NewUser, add_users

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory, UserFactory


def org_user(organization, user):
    return OrganizationUser.objects.filter(organization=organization, user=user).first()


@pytest.fixture
def unmapped_group(org_admin):
    group = GroupFactory(organization=None, name="Volunteers")
    GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    return group


def test_adding_someone_to_a_mapped_group_brings_them_into_the_organization(organization, org_admin, admin_group):
    result = services.add_members(group=admin_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)

    assert result.joined_organization == 1
    joined = OrganizationUser.objects.get(organization=organization, user__phone_number="+919812345678")
    assert not joined.added_directly
    assert joined.added_by == org_admin
    assert joined.role == OrganizationUser.Role.MEMBER


def test_adding_someone_to_an_unmapped_group_brings_them_into_no_organization(org_admin, unmapped_group):
    result = services.add_members(group=unmapped_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)

    assert result.joined_organization == 0 and len(result.added) == 1
    assert not OrganizationUser.objects.filter(user__phone_number="+919812345678").exists()


def test_removing_the_only_reason_to_be_there_takes_them_out_of_the_organization(organization, org_admin, admin_group):
    services.add_members(group=admin_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    membership = GroupMembership.objects.get(group=admin_group, user__phone_number="+919812345678")
    UserListPreference.objects.create(user=membership.user, organization=organization, columns=["role"])

    removed = services.remove_member(membership=membership, removed_by=org_admin)

    assert removed.left_organization
    assert org_user(organization, membership.user) is None
    assert not UserListPreference.objects.filter(user=membership.user).exists()


def test_people_added_directly_stay_when_removed_from_a_group(organization, org_admin, member, admin_group):
    membership = GroupMembership.objects.get(group=admin_group, user=member)
    removed = services.remove_member(membership=membership, removed_by=org_admin)
    assert not removed.left_organization
    assert org_user(organization, member).added_directly


def test_people_in_another_mapped_group_stay_when_removed_from_one(organization, org_admin, admin_group):
    other = GroupFactory(organization=organization, name="Night Shift")
    services.add_members(group=admin_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    services.add_members(group=other, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    membership = GroupMembership.objects.get(group=admin_group, user__phone_number="+919812345678")

    removed = services.remove_member(membership=membership, removed_by=org_admin)

    assert not removed.left_organization
    assert org_user(organization, membership.user) is not None


def test_a_person_in_two_organizations_groups_leaves_only_the_one_whose_group_they_left(
    organization, other_organization, org_admin, admin_group
):
    theirs = GroupFactory(organization=other_organization)
    services.add_members(group=admin_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    services.add_members(group=theirs, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    membership = GroupMembership.objects.get(group=admin_group, user__phone_number="+919812345678")

    services.remove_member(membership=membership, removed_by=org_admin)

    assert org_user(organization, membership.user) is None
    assert org_user(other_organization, membership.user) is not None


def test_mapping_brings_members_in_and_unmapping_takes_out_only_those_with_no_other_reason(
    organization, org_admin, member, unmapped_group
):
    only_here, also_in_a_group = UserFactory(), UserFactory()
    for person in (member, only_here, also_in_a_group):
        GroupMembershipFactory(group=unmapped_group, user=person)
    GroupMembershipFactory(group=GroupFactory(organization=organization), user=also_in_a_group)
    services.sync_organization_users(organization=organization, user_ids=[also_in_a_group.pk], changed_by=None)

    joined = services.map_group(group=unmapped_group, organization=organization, mapped_by=org_admin)

    assert joined.joined == 1  # only_here; the others were in already
    assert not org_user(organization, only_here).added_directly
    unmapped_group.refresh_from_db()
    assert [o.user for o in selectors.leaving_on_unmap(unmapped_group)] == [only_here]

    left = services.unmap_group(group=unmapped_group, unmapped_by=org_admin)

    assert left.left == 1
    assert org_user(organization, only_here) is None
    for stays in (org_admin, member, also_in_a_group):
        assert org_user(organization, stays) is not None
    unmapped_group.refresh_from_db()
    assert unmapped_group.organization is None
    assert unmapped_group.memberships.count() == 4  # the group itself is untouched


def test_an_org_admin_never_leaves_through_a_group_change(organization, superuser, admin_group):
    admin = UserFactory()
    OrganizationUserFactory(
        organization=organization, user=admin, role=OrganizationUser.Role.ORG_ADMIN, added_directly=False
    )
    GroupMembershipFactory(group=admin_group, user=admin, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=admin_group, role=GroupMembership.Role.ADMIN)

    services.remove_member(membership=admin.group_memberships.get(), removed_by=superuser)

    assert org_user(organization, admin) is not None


def test_adding_directly_someone_who_came_through_a_group_keeps_them_when_the_group_goes(
    organization, org_admin, admin_group
):
    services.add_members(group=admin_group, phone_numbers=["+91 98123 45678"], added_by=org_admin)

    result = add_users(organization=organization, new_users=[NewUser("+91 98123 45678", "Priya")], added_by=org_admin)

    assert len(result.added) == 1 and not result.rejected
    membership = GroupMembership.objects.get(group=admin_group, user__phone_number="+919812345678")
    assert OrganizationUser.objects.get(organization=organization, user=membership.user).name == "Priya"
    services.remove_member(membership=membership, removed_by=org_admin)
    assert org_user(organization, membership.user).added_directly


def test_sync_is_idempotent_and_repairs_missing_rows(organization, admin_group):
    person = UserFactory()
    GroupMembership.objects.create(group=admin_group, user=person)  # written behind the services' back

    first = services.sync_organization_users(organization=organization, user_ids=[person.pk], changed_by=None)
    second = services.sync_organization_users(organization=organization, user_ids=[person.pk], changed_by=None)

    assert (first.joined, second.joined, second.left) == (1, 0, 0)
    assert OrganizationUser.objects.filter(organization=organization, user=person).count() == 1
