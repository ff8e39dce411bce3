"""Every change to a Connector writes its event in the audit log, and no event ever holds its secret."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.sentences import detail_lines
from audit.services import person_label
from connectors import services
from connectors.models import Connector

from ..factories import GroupFactory

Verb = AuditEvent.Verb
FORM = {
    "name": "CRM sync",
    "description": "Posts new leads",
    "callback_url": "https://crm.example.com/kaizala",
    "permissions": ["post_messages", "read_group_members"],
}


def url(name, **kwargs):
    return reverse(f"connectors:{name}", kwargs={"org_slug": "contoso", **kwargs})


def log_sentences(client) -> list[str]:
    response = client.get(reverse("audit:log", kwargs={"org_slug": "contoso"}))
    return [entry.sentence for entry in response.context["entries"]]


def stored_events() -> str:
    """Every audit event as stored, as one text to search."""
    return json.dumps(list(AuditEvent.objects.values()), default=str)


@pytest.fixture
def crm(organization, member):
    registered, _ = services.register_connector(
        organization=organization,
        created_by=member,
        name="CRM sync",
        callback_url="https://crm.example.com/kaizala",
        permissions=["post_messages"],
    )
    return registered


def test_registering_records_the_connector_and_never_its_secret(client_for, organization, org_admin, member):
    response = client_for(member).post(url("create"), FORM)

    secret = response.context["secret"]
    event = AuditEvent.objects.get(verb=Verb.CONNECTOR_REGISTERED)
    assert (event.actor, event.group) == (member, None)
    assert event.details == {
        "connector": "CRM sync",
        "callback_url": "https://crm.example.com/kaizala",
        "permissions": ["Read group members", "Post messages"],
    }
    assert detail_lines(event) == [
        "Callback URL: https://crm.example.com/kaizala",
        "Permissions: Read group members, Post messages",
    ]
    assert secret not in stored_events() and Connector.objects.get().secret_hash not in stored_events()
    assert log_sentences(client_for(org_admin)) == [
        f"{person_label(organization, member)} registered the connector CRM sync."
    ]


def test_a_refused_registration_records_nothing(client_for, member):
    client_for(member).post(url("create"), {**FORM, "permissions": []})

    assert not Connector.objects.exists() and not AuditEvent.objects.exists()


def test_a_new_secret_is_recorded_without_the_old_or_the_new_one(client_for, organization, org_admin, member, crm):
    old_hash = crm.secret_hash

    response = client_for(org_admin).post(url("rotate_secret", connector_id=crm.pk))

    crm.refresh_from_db()
    event = AuditEvent.objects.get(verb=Verb.CONNECTOR_SECRET_ROTATED)
    assert (event.actor, event.details) == (org_admin, {"connector": "CRM sync"})
    for secret_or_hash in (response.context["secret"], crm.secret_hash, old_hash):
        assert secret_or_hash not in stored_events()
    assert log_sentences(client_for(org_admin))[0] == (
        f"{person_label(organization, org_admin)} made a new secret for the connector CRM sync; "
        "the old one stopped working."
    )


def test_publishing_to_several_groups_and_unpublishing_are_recorded_with_the_groups(
    client_for, organization, org_admin, admin_group, crm
):
    south = GroupFactory(organization=organization, name="Sales South")
    client = client_for(org_admin)

    client.post(url("publish", connector_id=crm.pk), {"group": [admin_group.pk, south.pk]})
    client.post(url("unpublish", connector_id=crm.pk, group_id=south.pk))

    published = AuditEvent.objects.get(verb=Verb.CONNECTOR_PUBLISHED)
    unpublished = AuditEvent.objects.get(verb=Verb.CONNECTOR_UNPUBLISHED)
    assert published.details == {"connector": "CRM sync", "groups": ["Sales North", "Sales South"], "group_count": 2}
    assert (unpublished.group, unpublished.details["groups"]) == (south, ["Sales South"])
    label = person_label(organization, org_admin)
    assert log_sentences(client)[:2] == [
        f"{label} unpublished CRM sync from Sales South.",
        f"{label} published CRM sync to 2 groups.",
    ]


def test_deleting_records_the_connector_and_the_groups_it_left(client_for, organization, member, admin_group, crm):
    services.publish_connector(connector=crm, group=admin_group, published_by=member)

    client_for(member).post(url("delete", connector_id=crm.pk))

    event = AuditEvent.objects.get(verb=Verb.CONNECTOR_DELETED)
    assert event.actor == member
    assert event.details == {"connector": "CRM sync", "groups": ["Sales North"], "group_count": 1}


def test_a_refused_rotation_records_nothing(client_for, group_admin, crm):
    before = AuditEvent.objects.count()

    assert client_for(group_admin).post(url("rotate_secret", connector_id=crm.pk)).status_code == 403

    assert AuditEvent.objects.count() == before
