"""The Actions catalogue: adding, listing (mine or all), publishing to groups, deleting."""

from django.urls import reverse

from actions import services
from actions.models import Action, ActionPublication
from groups.models import GroupMembership

from ..factories import GroupFactory, GroupMembershipFactory
from .conftest import package_upload


def url(name, **kwargs):
    return reverse(f"actions:{name}", kwargs={"org_slug": "contoso", **kwargs})


def poll(organization, created_by, name="Lunch poll"):
    return services.create_action(organization=organization, created_by=created_by, name=name, kind="poll")


def test_anyone_of_the_organization_adds_a_built_in_action(client_for, member):
    client = client_for(member)
    response = client.post(
        url("create"), {"kind": "survey", "name": "Staff survey", "description": "Twice a year", "version": "1.2"}
    )

    action = Action.objects.get()
    assert response.status_code == 302
    assert (action.name, action.kind, action.version, action.created_by) == ("Staff survey", "survey", "1.2", member)
    assert not action.package and action.manifest == {}
    page = client.get(response["Location"]).content.decode()
    assert "Added the Action Staff survey (version 1.2)." in page


def test_a_built_in_action_needs_a_name_and_a_version_like_one(client_for, member):
    response = client_for(member).post(url("create"), {"kind": "poll", "name": "", "version": "first"})

    assert response.context["form"].errors == {
        "name": ["Give the Action a name."],
        "version": ["Write the version like 1.0 or 1.2.3."],
    }
    assert not Action.objects.exists()


def test_the_list_shows_ones_own_actions_and_with_the_toggle_all_of_the_organization(
    client_for, organization, other_organization, org_admin, member, other_org_admin
):
    poll(organization, member, "Meera's poll")
    poll(organization, org_admin, "Asha's poll")
    poll(other_organization, other_org_admin, "Fabrikam poll")
    client = client_for(member)

    mine = client.get(url("list"))
    everything = client.get(url("list") + "?show=all")

    assert [a.name for a in mine.context["page"]] == ["Meera's poll"]
    assert [a.name for a in everything.context["page"]] == ["Asha's poll", "Meera's poll"]
    assert "The Actions you added: 1 Action." in mine.content.decode()
    assert "Every Action of Contoso: 2 Actions." in everything.content.decode()


def test_empty_lists_say_so_and_point_to_the_whole_catalogue(client_for, member):
    mine = client_for(member).get(url("list")).content.decode()
    everything = client_for(member).get(url("list") + "?show=all").content.decode()

    assert "You have added no Actions" in mine and 'href="/o/contoso/actions/?show=all"' in mine
    assert "Contoso has no Actions yet" in everything


def test_the_list_is_paginated(client_for, organization, member, settings):
    settings.ACTIONS_PAGE_SIZE = 2
    for number in range(5):
        poll(organization, member, f"Poll {number}")

    third = client_for(member).get(url("list") + "?page=3")

    assert [a.name for a in third.context["page"]] == ["Poll 4"]
    assert "Page 3 of 3" in third.content.decode()


def test_a_group_admin_is_offered_only_the_groups_they_admin_and_those_published_to_are_marked(
    client_for, organization, org_admin, group_admin, admin_group
):
    GroupFactory(organization=organization, name="Sales South")
    second = GroupFactory(organization=organization, name="Sales East")
    GroupMembershipFactory(group=second, user=group_admin, role=GroupMembership.Role.ADMIN)
    action = poll(organization, org_admin)
    services.publish_action(action=action, group=second, published_by=org_admin)

    as_group_admin = client_for(group_admin).get(url("detail", action_id=action.pk)).context["publish_form"]
    as_org_admin = client_for(org_admin).get(url("detail", action_id=action.pk)).context["publish_form"]

    assert [label for _, label in as_group_admin.fields["group"].choices] == [
        "Sales East (already published)",
        "Sales North",
    ]
    assert [label for _, label in as_org_admin.fields["group"].choices] == [
        "Sales East (already published)",
        "Sales North",
        "Sales South",
    ]


def test_publishing_shows_on_the_action_and_on_the_group_and_twice_changes_nothing(
    client_for, organization, org_admin, group_admin, member, admin_group
):
    action = poll(organization, org_admin)
    client = client_for(group_admin)

    first = client.post(url("publish", action_id=action.pk), {"group": [admin_group.pk]}, follow=True)
    again = client.post(url("publish", action_id=action.pk), {"group": [admin_group.pk]}, follow=True)

    publication = ActionPublication.objects.get()
    assert (publication.group, publication.published_by) == (admin_group, group_admin)
    assert "Published Lunch poll to Sales North." in first.content.decode()
    assert "Lunch poll was already published to Sales North." in again.content.decode()
    assert "It is published to every group you may publish to." in again.content.decode()
    group_page = client_for(member).get(
        reverse("groups:detail", kwargs={"org_slug": "contoso", "group_id": admin_group.pk})
    )
    assert list(group_page.context["published_actions"]) == [action]
    assert f'href="{url("detail", action_id=action.pk)}"' in group_page.content.decode()


def test_publishing_without_a_group_says_what_is_missing(client_for, organization, org_admin, admin_group):
    action = poll(organization, org_admin)

    response = client_for(org_admin).post(url("publish", action_id=action.pk), {}, follow=True)

    assert "Choose at least one group to publish to." in response.content.decode()
    assert not ActionPublication.objects.exists()


def test_unpublishing_asks_first_naming_the_group_by_its_path_then_removes_only_that_publication(
    client_for, organization, org_admin, group_admin, admin_group
):
    admin_group.parent = GroupFactory(organization=organization, name="Field Staff")
    admin_group.save()
    action = poll(organization, org_admin)
    other = GroupFactory(organization=organization)
    for group in (admin_group, other):
        services.publish_action(action=action, group=group, published_by=org_admin)
    client = client_for(group_admin)

    confirm = client.get(url("unpublish", action_id=action.pk, group_id=admin_group.pk)).content.decode()
    done = client.post(url("unpublish", action_id=action.pk, group_id=admin_group.pk), follow=True)

    assert "Unpublish Lunch poll from Field Staff / Sales North?" in confirm
    assert "Members of <strong>Field Staff / Sales North</strong> will no longer find" in confirm
    assert "Unpublished Lunch poll from Field Staff / Sales North." in done.content.decode()
    assert list(ActionPublication.objects.values_list("group", flat=True)) == [other.pk]


def test_deleting_is_for_the_creator_and_org_admins_and_takes_the_package_along(
    client_for, org_admin, group_admin, member, admin_group, stored_files
):
    client_for(member).post(url("create"), {"kind": "custom", "package": package_upload()})
    action = Action.objects.get()
    services.publish_action(action=action, group=admin_group, published_by=org_admin)

    refused = client_for(group_admin).post(url("delete", action_id=action.pk))
    confirm = client_for(member).get(url("delete", action_id=action.pk))
    deleted = client_for(member).post(url("delete", action_id=action.pk), follow=True)

    assert refused.status_code == 403
    assert "It is unpublished from the <strong>1 group</strong>" in confirm.content.decode()
    assert "Deleted the Action Site inspection." in deleted.content.decode()
    assert not Action.objects.exists() and not ActionPublication.objects.exists()
    assert stored_files() == []


def test_another_organizations_action_is_not_found(client_for, other_organization, other_org_admin, org_admin):
    theirs = poll(other_organization, other_org_admin)

    assert client_for(org_admin).get(url("detail", action_id=theirs.pk)).status_code == 404
    assert client_for(org_admin).get(url("package", action_id=theirs.pk)).status_code == 404
