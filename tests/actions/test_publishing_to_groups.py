"""Publishing an Action to several groups at once, and to the groups under them, each named by its path."""

import pytest
from django.urls import reverse

from actions import publishing, services
from actions.models import ActionPublication
from audit.models import AuditEvent
from groups.models import GroupMembership
from kaizala_portal import policy

from ..factories import GroupFactory, GroupMembershipFactory


def url(name, **kwargs):
    return reverse(f"actions:{name}", kwargs={"org_slug": "contoso", **kwargs})


@pytest.fixture
def tree(organization, other_organization, org_admin, group_admin, admin_group):
    """Contoso's hierarchy; the group admin admins Sales North, not the clinics under it.

    Field Staff
      Sales North (admin_group)
        Mobile Clinics
      South
    Head Office
      Finance
    """
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    admin_group.parent = field_staff
    admin_group.save()
    clinics = GroupFactory(organization=organization, name="Mobile Clinics", parent=admin_group)
    south = GroupFactory(organization=organization, name="South", parent=field_staff)
    head_office = GroupFactory(organization=organization, name="Head Office")
    finance = GroupFactory(organization=organization, name="Finance", parent=head_office)
    # Fabrikam's group under Contoso's: never offered, never reached by "include sub-groups".
    fabrikam_north = GroupFactory(organization=other_organization, name="Fabrikam North", parent=admin_group)
    return {
        "field staff": field_staff,
        "north": admin_group,
        "clinics": clinics,
        "south": south,
        "head office": head_office,
        "finance": finance,
        "fabrikam": fabrikam_north,
    }


@pytest.fixture
def lunch_poll(organization, org_admin):
    return services.create_action(organization=organization, created_by=org_admin, name="Lunch poll", kind="poll")


def published_to(action) -> list[str]:
    return sorted(ActionPublication.objects.filter(action=action).values_list("group__name", flat=True))


def offered(client, action) -> list[str]:
    form = client.get(url("detail", action_id=action.pk)).context["publish_form"]
    return [label for _, label in form.fields["group"].choices]


def test_an_org_admin_is_offered_every_group_by_its_path_in_path_order(client_for, tree, org_admin, lunch_poll):
    assert offered(client_for(org_admin), lunch_poll) == [
        "Field Staff",
        "Field Staff / Sales North",
        "Field Staff / Sales North / Mobile Clinics",
        "Field Staff / South",
        "Head Office",
        "Head Office / Finance",
    ]


def test_a_group_admin_is_offered_only_their_own_group_still_named_by_its_path(
    client_for, tree, group_admin, lunch_poll
):
    assert offered(client_for(group_admin), lunch_poll) == ["Field Staff / Sales North"]


def test_a_member_is_offered_no_publishing_at_all(client_for, tree, member, lunch_poll):
    page = client_for(member).get(url("detail", action_id=lunch_poll.pk)).content.decode()

    assert "Groups to publish to" not in page and "Include sub-groups" not in page


def test_the_detail_page_shows_the_checkboxes_and_the_sub_groups_option(client_for, tree, org_admin, lunch_poll):
    page = client_for(org_admin).get(url("detail", action_id=lunch_poll.pk)).content.decode()

    assert "<legend>Groups to publish to</legend>" in page
    assert f'value="{tree["clinics"].pk}"' in page and "Field Staff / Sales North / Mobile Clinics" in page
    assert 'name="include_subgroups"' in page and "Include sub-groups" in page


def test_an_org_admin_publishes_to_two_groups_and_every_group_under_them(client_for, tree, org_admin, lunch_poll):
    response = client_for(org_admin).post(
        url("publish", action_id=lunch_poll.pk),
        {"group": [tree["north"].pk, tree["head office"].pk], "include_subgroups": "on"},
        follow=True,
    )

    assert published_to(lunch_poll) == ["Finance", "Head Office", "Mobile Clinics", "Sales North"]
    assert (
        "Published Lunch poll to Field Staff / Sales North, Field Staff / Sales North / Mobile Clinics, "
        "Head Office and Head Office / Finance." in response.content.decode()
    )
    assert set(ActionPublication.objects.values_list("published_by", flat=True)) == {org_admin.pk}


def test_without_the_option_only_the_chosen_groups_get_it(client_for, tree, org_admin, lunch_poll):
    response = client_for(org_admin).post(
        url("publish", action_id=lunch_poll.pk), {"group": [tree["north"].pk, tree["head office"].pk]}, follow=True
    )

    assert published_to(lunch_poll) == ["Head Office", "Sales North"]
    assert "Published Lunch poll to Field Staff / Sales North and Head Office." in response.content.decode()


def test_groups_it_is_already_published_to_are_reported_and_not_published_twice(
    client_for, tree, org_admin, lunch_poll
):
    services.publish_action(action=lunch_poll, group=tree["clinics"], published_by=org_admin)
    client = client_for(org_admin)

    offered_now = offered(client, lunch_poll)
    response = client.post(
        url("publish", action_id=lunch_poll.pk), {"group": [tree["north"].pk], "include_subgroups": "on"}, follow=True
    )

    page = response.content.decode()
    assert "Field Staff / Sales North / Mobile Clinics (already published)" in offered_now
    assert "Published Lunch poll to Field Staff / Sales North." in page
    assert "Lunch poll was already published to Field Staff / Sales North / Mobile Clinics." in page
    assert ActionPublication.objects.filter(action=lunch_poll, group=tree["clinics"]).count() == 1
    assert published_to(lunch_poll) == ["Mobile Clinics", "Sales North"]


def test_a_group_admin_with_sub_groups_skips_those_they_do_not_admin_and_says_why(
    client_for, tree, group_admin, lunch_poll
):
    response = client_for(group_admin).post(
        url("publish", action_id=lunch_poll.pk), {"group": [tree["north"].pk], "include_subgroups": "on"}, follow=True
    )

    page = response.content.decode()
    assert published_to(lunch_poll) == ["Sales North"]
    assert "Published Lunch poll to Field Staff / Sales North." in page
    assert (
        "Skipped 1 sub-group: you may publish only to groups you admin, "
        "and you do not admin Field Staff / Sales North / Mobile Clinics." in page
    )


def test_a_group_admin_of_a_sub_group_too_publishes_there_as_well(client_for, tree, group_admin, lunch_poll):
    GroupMembershipFactory(group=tree["clinics"], user=group_admin, role=GroupMembership.Role.ADMIN)

    response = client_for(group_admin).post(
        url("publish", action_id=lunch_poll.pk), {"group": [tree["north"].pk], "include_subgroups": "on"}, follow=True
    )

    assert published_to(lunch_poll) == ["Mobile Clinics", "Sales North"]
    assert "Skipped" not in response.content.decode()


@pytest.mark.parametrize(
    ("person", "forged"),
    [
        ("group_admin", "south"),  # of Contoso, but not the group admin's
        ("org_admin", "fabrikam"),  # another organization's
        ("org_admin", "not a number"),
        ("org_admin", "999999"),  # no such group
    ],
    ids=["group-not-reached", "other-organization", "not-a-number", "no-such-group"],
)
def test_a_forged_group_among_the_chosen_ones_is_refused_and_nothing_is_published(
    request, client_for, tree, lunch_poll, person, forged
):
    forged_id = tree[forged].pk if forged in tree else forged
    before = AuditEvent.objects.count()

    response = client_for(request.getfixturevalue(person)).post(
        url("publish", action_id=lunch_poll.pk),
        {"group": [tree["north"].pk, forged_id], "include_subgroups": "on"},
    )

    # No page of the portal sends a group it did not offer: the request is refused with the reason.
    assert response.status_code == 403
    assert (
        "You may not publish to one of the chosen groups (or it no longer exists): nothing was published."
        in response.content.decode()
    )
    assert not ActionPublication.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_service_refuses_a_group_the_viewer_does_not_reach_before_publishing_anything(
    organization, tree, group_admin, lunch_poll
):
    viewer = policy.viewer_for(group_admin, organization)

    with pytest.raises(publishing.NotPublishable):
        services.publish_action_to_groups(
            viewer=viewer, action=lunch_poll, groups=[tree["north"], tree["south"]], include_subgroups=False
        )

    assert not ActionPublication.objects.exists()


def test_the_service_says_what_it_published_what_was_there_already_and_what_it_skipped(
    organization, tree, org_admin, group_admin, lunch_poll
):
    services.publish_action(action=lunch_poll, group=tree["north"], published_by=org_admin)
    GroupMembershipFactory(group=tree["south"], user=group_admin, role=GroupMembership.Role.ADMIN)
    viewer = policy.viewer_for(group_admin, organization)

    outcome = services.publish_action_to_groups(
        viewer=viewer, action=lunch_poll, groups=[tree["south"], tree["north"]], include_subgroups=True
    )

    assert outcome.labels(outcome.published) == ["Field Staff / South"]
    assert outcome.labels(outcome.already) == ["Field Staff / Sales North"]
    assert outcome.labels(outcome.skipped) == ["Field Staff / Sales North / Mobile Clinics"]


def test_messages_list_many_groups_briefly():
    assert publishing.listed(["A", "B", "C"]) == "A, B and C"
    assert publishing.listed([f"G{n}" for n in range(12)]) == "G0, G1, G2, G3, G4, G5, G6, G7, G8, G9 and 2 more groups"
