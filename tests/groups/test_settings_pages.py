"""Settings: mapping and unmapping groups, and creating groups and subgroups."""

import pytest
from django.urls import reverse

from groups.models import Group, GroupMembership
from users.models import OrganizationUser

from ..factories import GroupFactory, GroupMembershipFactory, UserFactory
from .test_group_pages import snapshot


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


@pytest.fixture
def volunteers(org_admin):
    """A group mapped nowhere, admined by the org admin, with two people in no organization."""
    group = GroupFactory(organization=None, name="Volunteers")
    GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    for phone_number in ("+919700000001", "+919700000002"):
        GroupMembershipFactory(group=group, user=UserFactory(phone_number=phone_number))
    return group


def test_settings_lists_mapped_groups_and_the_unmapped_ones_the_admin_may_map(
    client_for, organization, other_organization, org_admin, admin_group, volunteers
):
    GroupFactory(organization=None, name="Somebody Else's")
    GroupFactory(organization=other_organization, name="Fabrikam Crew")
    response = client_for(org_admin).get(url("settings:groups", organization))
    assert [g.name for g in response.context["mapped"]] == ["Sales North"]
    assert [g.name for g in response.context["unmapped"]] == ["Volunteers"]
    content = response.content.decode()
    assert "Somebody Else" not in content and "Fabrikam Crew" not in content


def test_a_group_admin_sees_only_their_own_groups_on_settings(client_for, organization, group_admin, admin_group):
    GroupFactory(organization=organization, name="Sales South")
    response = client_for(group_admin).get(url("settings:groups", organization))
    assert [g.name for g in response.context["mapped"]] == ["Sales North"]
    assert "You can map and unmap the groups you admin." in response.content.decode()


def test_mapping_a_group_brings_its_members_into_the_organization(client_for, organization, org_admin, volunteers):
    response = client_for(org_admin).post(url("settings:map_group", organization, group_id=volunteers.pk), follow=True)

    assert "Mapped Volunteers to Contoso: 2 people joined the organization." in response.content.decode()
    volunteers.refresh_from_db()
    assert volunteers.organization == organization
    joined = OrganizationUser.objects.filter(organization=organization, added_directly=False)
    # New to the organization, they join with no name in it until it gives them one.
    assert sorted(joined.values_list("user__phone_number", "name")) == [("+919700000001", ""), ("+919700000002", "")]


def test_mapping_asks_first_saying_who_joins_and_maps_only_on_confirming(
    client_for, organization, org_admin, member, volunteers
):
    # Meera is in Contoso already: she is a member of the group, but does not join.
    GroupMembershipFactory(group=volunteers, user=member)
    settings_page = client_for(org_admin).get(url("settings:groups", organization)).content.decode()
    confirm_url = url("settings:map_group", organization, group_id=volunteers.pk)
    assert f'href="{confirm_url}"' in settings_page

    confirm = client_for(org_admin).get(confirm_url).content.decode()

    assert "Map Volunteers to Contoso?" in confirm
    assert "with its 4 members" in confirm
    assert "2 people will join Contoso" in confirm
    assert "+91 97000 00001" in confirm and "+91 97000 00002" in confirm
    assert "Meera Member" not in confirm
    volunteers.refresh_from_db()
    assert volunteers.organization is None
    assert not OrganizationUser.objects.filter(user__phone_number="+919700000001").exists()


def test_the_mapping_confirmation_names_the_first_people_and_counts_the_rest(
    client_for, organization, org_admin, volunteers, settings
):
    for n in range(3, 25):
        GroupMembershipFactory(group=volunteers, user=UserFactory(phone_number=f"+9197000000{n:02d}"))

    confirm = client_for(org_admin).get(url("settings:map_group", organization, group_id=volunteers.pk))

    text = confirm.content.decode()
    assert "24 people will join Contoso" in text
    assert len(confirm.context["joining_labels"]) == 20
    assert "+91 97000 00020" in text and "+91 97000 00021" not in text
    assert "and 4 more" in text


def test_mapping_a_group_whose_name_a_top_level_group_has_is_refused_with_the_reason(
    client_for, organization, org_admin, volunteers
):
    GroupFactory(organization=organization, name="VOLUNTEERS")
    client = client_for(org_admin)
    confirm = client.get(url("settings:map_group", organization, group_id=volunteers.pk)).content.decode()
    assert "Contoso already has a top-level group named “VOLUNTEERS”" in confirm
    assert "Map group</button>" not in confirm

    response = client.post(url("settings:map_group", organization, group_id=volunteers.pk), follow=True)

    assert "Contoso already has a top-level group named “VOLUNTEERS”" in response.content.decode()
    volunteers.refresh_from_db()
    assert volunteers.organization is None
    assert not OrganizationUser.objects.filter(user__phone_number="+919700000001").exists()


def test_unmapping_asks_first_saying_how_many_people_leave(client_for, organization, org_admin, volunteers):
    client = client_for(org_admin)
    client.post(url("settings:map_group", organization, group_id=volunteers.pk))

    confirm = client.get(url("settings:unmap_group", organization, group_id=volunteers.pk)).content.decode()

    assert "Unmap Volunteers from Contoso?" in confirm
    assert "2 users will leave Contoso" in confirm
    # Named as the organization knows them: it gave them no name, so by their numbers.
    assert "+91 97000 00001" in confirm and "+91 97000 00002" in confirm
    assert "This includes you." not in confirm
    assert OrganizationUser.objects.filter(organization=organization).count() == 3

    response = client.post(url("settings:unmap_group", organization, group_id=volunteers.pk), follow=True)

    assert "Unmapped Volunteers from Contoso: 2 people left the organization." in response.content.decode()
    assert list(OrganizationUser.objects.filter(organization=organization).values_list("user", flat=True)) == [
        org_admin.pk
    ]
    volunteers.refresh_from_db()
    assert volunteers.organization is None and volunteers.memberships.count() == 3
    # Back on Settings, where it can be mapped again.
    assert [g.name for g in response.context["unmapped"]] == ["Volunteers"]


def test_unmapping_a_group_of_people_added_directly_says_no_one_leaves(
    client_for, organization, org_admin, member, admin_group
):
    confirm = client_for(org_admin).get(url("settings:unmap_group", organization, group_id=admin_group.pk))
    assert "No one leaves Contoso" in confirm.content.decode()


def test_a_group_admin_who_unmaps_their_only_group_is_told_they_leave_and_loses_settings(
    client_for, organization, admin_group
):
    ravi = UserFactory()
    client = client_for(ravi)
    GroupMembershipFactory(group=admin_group, user=ravi, role=GroupMembership.Role.ADMIN)
    OrganizationUser.objects.create(organization=organization, user=ravi, added_directly=False)

    confirm = client.get(url("settings:unmap_group", organization, group_id=admin_group.pk)).content.decode()
    assert "1 user will leave Contoso" in confirm and "This includes you." in confirm

    response = client.post(url("settings:unmap_group", organization, group_id=admin_group.pk), follow=True)

    assert response.redirect_chain[-1][0] == reverse("organization_picker")
    assert "Unmapped Sales North from Contoso: 1 person left the organization." in response.content.decode()


def test_nobody_maps_a_group_mapped_to_another_organization(
    client_for, organization, other_organization, superuser, org_admin
):
    theirs = GroupFactory(organization=other_organization)
    GroupMembershipFactory(group=theirs, user=org_admin, role=GroupMembership.Role.ADMIN)
    for person in (org_admin, superuser):
        response = client_for(person).post(url("settings:map_group", organization, group_id=theirs.pk))
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.organization == other_organization


# Creating groups


def test_org_admin_creates_a_top_level_group_admined_by_someone_new(client_for, organization, org_admin):
    response = client_for(org_admin).post(
        url("settings:create_group", organization),
        {"name": "Drivers", "parent": "", "admin_phone_number": "098123 45678"},
        follow=True,
    )

    assert "Created group Drivers." in response.content.decode()
    group = Group.objects.get(name="Drivers")
    assert (group.organization, group.parent) == (organization, None)
    admin = group.memberships.get()
    assert (admin.user.phone_number, admin.role) == ("+919812345678", "admin")
    assert OrganizationUser.objects.filter(organization=organization, user=admin.user, added_directly=False).exists()


def test_the_create_form_offers_the_admin_themselves_and_the_parent_asked_for(
    client_for, organization, org_admin, admin_group
):
    response = client_for(org_admin).get(url("settings:create_group", organization) + f"?parent={admin_group.pk}")
    form = response.context["form"]
    assert form["admin_phone_number"].value() == org_admin.phone_display
    assert str(form["parent"].value()) == str(admin_group.pk)
    assert "None: a top-level group" in response.content.decode()


def test_group_admin_creates_a_subgroup_of_their_group_and_admins_it(
    client_for, organization, group_admin, admin_group
):
    response = client_for(group_admin).post(
        url("settings:create_group", organization),
        {"name": "Retail", "parent": admin_group.pk, "admin_phone_number": group_admin.phone_number},
        follow=True,
    )
    group = Group.objects.get(name="Retail")
    assert group.parent == admin_group
    assert response.redirect_chain[-1][0] == url("groups:detail", organization, group_id=group.pk)
    assert "Add members" in response.content.decode()


def test_group_admin_cannot_create_a_top_level_group(client_for, organization, group_admin, admin_group):
    before = snapshot()
    response = client_for(group_admin).post(
        url("settings:create_group", organization),
        {"name": "Mine", "parent": "", "admin_phone_number": group_admin.phone_number},
    )
    content = response.content.decode()
    assert "This field is required." in content
    assert "None: a top-level group" not in content
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  ", "admin_phone_number": "+91 98123 45678"}, "A group needs a name."),
        ({"name": "Drivers", "admin_phone_number": "+91 98"}, "This phone number is too short."),
        ({"name": "Drivers", "admin_phone_number": ""}, "This field is required."),
    ],
)
def test_bad_input_for_a_new_group_is_shown_and_nothing_is_created(client_for, organization, org_admin, data, message):
    before = snapshot()
    response = client_for(org_admin).post(url("settings:create_group", organization), {"parent": "", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before
