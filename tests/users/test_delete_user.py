import pytest
from django.urls import reverse

from groups.models import GroupMembership
from users.models import OrganizationUser, User, UserListPreference

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory


def delete_url(organization, user):
    return reverse("users:delete", kwargs={"org_slug": organization.slug, "user_id": user.pk})


@pytest.fixture
def member_everywhere(organization, other_organization, admin_group, member):
    """``member`` also belongs to another organization and to one of its groups."""
    OrganizationUserFactory(organization=other_organization, user=member)
    GroupMembershipFactory(group=GroupFactory(organization=other_organization, name="Fabrikam Crew"), user=member)
    GroupMembershipFactory(group=GroupFactory(organization=organization, name="Night Shift"), user=member)
    UserListPreference.objects.create(user=member, organization=organization, columns=["role"])
    return member


def test_confirmation_says_what_will_be_removed(client_for, organization, org_admin, member_everywhere):
    response = client_for(org_admin).get(delete_url(organization, member_everywhere))
    content = response.content.decode()
    assert "Delete Meera Member from Contoso?" in content
    assert "2 groups: Night Shift, Sales North" in content
    assert "Their account and anything they have in other organizations stay as they are." in content
    assert OrganizationUser.objects.filter(organization=organization, user=member_everywhere).exists()


def test_deleting_removes_the_person_from_the_organization_and_its_groups_only(
    client_for, organization, other_organization, org_admin, member_everywhere
):
    response = client_for(org_admin).post(delete_url(organization, member_everywhere), follow=True)

    assert "Removed Meera Member from Contoso." in response.content.decode()
    assert not OrganizationUser.objects.filter(organization=organization, user=member_everywhere).exists()
    assert not GroupMembership.objects.filter(user=member_everywhere, group__organization=organization).exists()
    assert not UserListPreference.objects.filter(user=member_everywhere, organization=organization).exists()
    # Untouched: the account, the other organization and its group.
    assert User.objects.filter(pk=member_everywhere.pk).exists()
    assert OrganizationUser.objects.filter(organization=other_organization, user=member_everywhere).exists()
    assert GroupMembership.objects.filter(user=member_everywhere, group__name="Fabrikam Crew").exists()


def test_an_admin_cannot_remove_themselves(client_for, organization, org_admin):
    response = client_for(org_admin).post(delete_url(organization, org_admin), follow=True)
    assert "You cannot remove yourself from the organization." in response.content.decode()
    assert OrganizationUser.objects.filter(organization=organization, user=org_admin).exists()


def test_the_last_organization_admin_cannot_be_removed(client_for, organization, org_admin, superuser):
    response = client_for(superuser).post(delete_url(organization, org_admin), follow=True)
    assert "Asha Admin is the last organization admin of Contoso." in response.content.decode()
    assert OrganizationUser.objects.filter(organization=organization, user=org_admin).exists()


def test_an_admin_can_be_removed_while_another_remains(client_for, organization, org_admin, superuser):
    second_admin = OrganizationUserFactory(organization=organization, role=OrganizationUser.Role.ORG_ADMIN).user
    client_for(superuser).post(delete_url(organization, org_admin))
    assert not OrganizationUser.objects.filter(organization=organization, user=org_admin).exists()
    assert OrganizationUser.objects.filter(organization=organization, user=second_admin).exists()


@pytest.mark.parametrize("who", ["member", "group_admin"])
def test_members_and_group_admins_cannot_delete_from_the_organization(
    request, client_for, organization, outsider_member, who
):
    response = client_for(request.getfixturevalue(who)).post(delete_url(organization, outsider_member))
    assert response.status_code == 403
    assert OrganizationUser.objects.filter(organization=organization, user=outsider_member).exists()


def test_another_organizations_admin_cannot_reach_a_user_here(client_for, organization, member, other_org_admin):
    response = client_for(other_org_admin).post(delete_url(organization, member))
    assert response.status_code == 404
    assert OrganizationUser.objects.filter(organization=organization, user=member).exists()


def test_a_user_of_another_organization_is_not_found_through_this_one(
    client_for, organization, org_admin, other_organization, other_org_member
):
    client = client_for(org_admin)
    assert client.get(delete_url(organization, other_org_member)).status_code == 404
    assert client.post(delete_url(organization, other_org_member)).status_code == 404
    detail = reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": other_org_member.pk})
    assert client.get(detail).status_code == 404
    assert OrganizationUser.objects.filter(organization=other_organization, user=other_org_member).exists()


def test_detail_shows_the_person_and_their_groups(client_for, organization, org_admin, member):
    url = reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": member.pk})
    content = client_for(org_admin).get(url).content.decode()
    assert "Meera Member" in content
    assert member.phone_display in content
    assert "Sales North" in content
    assert "Added directly, Via group Sales North" in content
    assert delete_url(organization, member) in content


def test_group_admin_sees_the_detail_without_a_delete_button(client_for, organization, group_admin, member):
    url = reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": member.pk})
    content = client_for(group_admin).get(url).content.decode()
    assert "Meera Member" in content
    assert delete_url(organization, member) not in content


# The confirmation says in advance when the delete would be refused, and offers no Delete button;
# the refusal itself still happens on the server, whatever is posted.


def test_confirmation_for_the_only_admin_of_a_group_gives_the_reason_and_no_delete_button(
    client_for, organization, org_admin, group_admin
):
    client = client_for(org_admin)
    content = client.get(delete_url(organization, group_admin)).content.decode()

    assert (
        "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin. "
        "Make someone else an admin there first." in content
    )
    assert "Delete user" not in content
    assert "Back to Ravi Groupadmin" in content

    response = client.post(delete_url(organization, group_admin), follow=True)
    assert "Ravi Groupadmin is the only admin of Sales North" in response.content.decode()
    assert OrganizationUser.objects.filter(organization=organization, user=group_admin).exists()
    assert GroupMembership.objects.filter(user=group_admin, role=GroupMembership.Role.ADMIN).exists()


def test_confirmation_for_the_last_organization_admin_gives_the_reason_and_no_delete_button(
    client_for, organization, org_admin, superuser
):
    content = client_for(superuser).get(delete_url(organization, org_admin)).content.decode()
    assert "Asha Admin is the last organization admin of Contoso." in content
    assert "Delete user" not in content
    assert OrganizationUser.objects.filter(organization=organization, user=org_admin).exists()


def test_confirmation_for_oneself_gives_the_reason_and_no_delete_button(client_for, organization, org_admin):
    content = client_for(org_admin).get(delete_url(organization, org_admin)).content.decode()
    assert "You cannot remove yourself from the organization." in content
    assert "Delete user" not in content


def test_confirmation_offers_the_delete_button_once_the_group_has_another_admin(
    client_for, organization, org_admin, group_admin, admin_group
):
    GroupMembershipFactory(group=admin_group, role=GroupMembership.Role.ADMIN)
    content = client_for(org_admin).get(delete_url(organization, group_admin)).content.decode()
    assert "Delete user" in content
    assert "only admin" not in content
