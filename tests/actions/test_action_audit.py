"""Every change to an Action writes its event in the organization's audit log, naming the Action and the groups."""

import pytest
from django.urls import reverse

from actions import services
from actions.models import Action
from audit.models import AuditEvent
from audit.services import person_label

from ..factories import GroupFactory
from .conftest import package_upload

Verb = AuditEvent.Verb


def url(name, **kwargs):
    return reverse(f"actions:{name}", kwargs={"org_slug": "contoso", **kwargs})


def log_sentences(client) -> list[str]:
    """What the audit log page says, newest first."""
    response = client.get(reverse("audit:log", kwargs={"org_slug": "contoso"}))
    return [entry.sentence for entry in response.context["entries"]]


def only_event(verb) -> AuditEvent:
    return AuditEvent.objects.get(verb=verb)


@pytest.fixture
def lunch_poll(organization, org_admin):
    return services.create_action(organization=organization, created_by=org_admin, name="Lunch poll", kind="poll")


@pytest.fixture
def sales(organization, admin_group):
    """Sales North (the group admin's) under Sales, with Sales South beside it."""
    parent = GroupFactory(organization=organization, name="Sales")
    admin_group.parent = parent
    admin_group.save()
    return {
        "parent": parent,
        "north": admin_group,
        "south": GroupFactory(organization=organization, name="South", parent=parent),
    }


def test_adding_an_action_records_who_added_which(client_for, organization, org_admin, member):
    client_for(member).post(url("create"), {"kind": "survey", "name": "Staff survey", "version": "1.2"})

    event = only_event(Verb.ACTION_CREATED)
    assert (event.organization, event.actor, event.group) == (organization, member, None)
    assert event.details == {"action": "Staff survey", "kind": "Survey", "version": "1.2"}
    assert log_sentences(client_for(org_admin)) == [
        f"{person_label(organization, member)} added the Action Staff survey (Survey, version 1.2)."
    ]


def test_a_refused_package_adds_no_action_and_no_event(client_for, member):
    client_for(member).post(url("create"), {"kind": "custom", "package": package_upload({"readme.txt": "no manifest"})})

    assert not Action.objects.exists()
    assert not AuditEvent.objects.exists()


def test_publishing_to_several_groups_is_one_event_naming_each_by_its_path(
    client_for, organization, org_admin, lunch_poll, sales
):
    client = client_for(org_admin)
    AuditEvent.objects.all().delete()

    client.post(url("publish", action_id=lunch_poll.pk), {"group": [sales["parent"].pk], "include_subgroups": "on"})

    event = only_event(Verb.ACTION_PUBLISHED)
    assert (event.actor, event.group) == (org_admin, None)
    assert event.details == {
        "action": "Lunch poll",
        "groups": ["Sales", "Sales / Sales North", "Sales / South"],
        "group_count": 3,
    }
    assert log_sentences(client) == [f"{person_label(organization, org_admin)} published Lunch poll to 3 groups."]
    log_page = client.get(reverse("audit:log", kwargs={"org_slug": "contoso"})).content.decode()
    assert "Groups: Sales, Sales / Sales North, Sales / South" in log_page


def test_publishing_to_one_group_links_the_event_to_it_and_publishing_nothing_new_records_nothing(
    client_for, organization, group_admin, lunch_poll, sales
):
    client = client_for(group_admin)

    client.post(url("publish", action_id=lunch_poll.pk), {"group": [sales["north"].pk]})
    client.post(url("publish", action_id=lunch_poll.pk), {"group": [sales["north"].pk]})

    event = only_event(Verb.ACTION_PUBLISHED)
    assert (event.actor, event.group, event.group_label) == (group_admin, sales["north"], "Sales North")
    assert event.details["groups"] == ["Sales / Sales North"]


def test_unpublishing_records_the_action_and_the_group(
    client_for, organization, org_admin, group_admin, lunch_poll, sales
):
    services.publish_action(action=lunch_poll, group=sales["north"], published_by=org_admin)

    client_for(group_admin).post(url("unpublish", action_id=lunch_poll.pk, group_id=sales["north"].pk))

    event = only_event(Verb.ACTION_UNPUBLISHED)
    assert (event.actor, event.group) == (group_admin, sales["north"])
    assert event.details == {"action": "Lunch poll", "groups": ["Sales / Sales North"], "group_count": 1}
    assert log_sentences(client_for(org_admin))[0] == (
        f"{person_label(organization, group_admin)} unpublished Lunch poll from Sales / Sales North."
    )


def test_deleting_records_the_action_and_the_groups_it_left(client_for, organization, org_admin, lunch_poll, sales):
    for group in (sales["north"], sales["south"]):
        services.publish_action(action=lunch_poll, group=group, published_by=org_admin)

    client_for(org_admin).post(url("delete", action_id=lunch_poll.pk))

    event = only_event(Verb.ACTION_DELETED)
    assert event.actor == org_admin
    assert event.details == {
        "action": "Lunch poll",
        "version": "1.0",
        "groups": ["Sales / Sales North", "Sales / South"],
        "group_count": 2,
    }
    page = client_for(org_admin).get(reverse("audit:log", kwargs={"org_slug": "contoso"})).content.decode()
    assert "deleted the Action Lunch poll." in page
    assert "Unpublished from: Sales / Sales North, Sales / South" in page


def test_a_refused_delete_records_nothing(client_for, group_admin, lunch_poll):
    before = AuditEvent.objects.count()

    assert client_for(group_admin).post(url("delete", action_id=lunch_poll.pk)).status_code == 403

    assert AuditEvent.objects.count() == before


def test_the_log_finds_an_actions_events_by_its_name_or_a_group_it_was_published_to(
    client_for, organization, org_admin, lunch_poll, sales
):
    services.create_action(organization=organization, created_by=org_admin, name="Safety notice", kind="announcement")
    client_for(org_admin).post(
        url("publish", action_id=lunch_poll.pk), {"group": [sales["north"].pk, sales["south"].pk]}
    )
    log_url = reverse("audit:log", kwargs={"org_slug": "contoso"})

    by_name = client_for(org_admin).get(log_url, {"q": "lunch POLL"}).context["entries"]
    by_group = client_for(org_admin).get(log_url, {"q": "sales / south"}).context["entries"]

    assert [entry.event.verb for entry in by_name] == [Verb.ACTION_PUBLISHED, Verb.ACTION_CREATED]
    assert [entry.event.verb for entry in by_group] == [Verb.ACTION_PUBLISHED]
