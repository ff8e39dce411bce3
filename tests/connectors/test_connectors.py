"""Connectors: registered with a secret shown once and kept hashed, rotated, published to groups."""

import pytest
from django.urls import reverse

from connectors import credentials, selectors, services
from connectors.models import Connector, ConnectorPublication

from ..factories import GroupFactory

FORM = {
    "name": "CRM sync",
    "description": "Posts new leads",
    "callback_url": "https://crm.example.com/kaizala",
    "permissions": ["post_messages", "read_group_members"],
}


def url(name, **kwargs):
    return reverse(f"connectors:{name}", kwargs={"org_slug": "contoso", **kwargs})


def connector(organization, created_by, name="CRM sync"):
    registered, _ = services.register_connector(
        organization=organization,
        created_by=created_by,
        name=name,
        callback_url="https://crm.example.com/kaizala",
        permissions=["post_messages"],
    )
    return registered


def test_registering_shows_the_id_and_secret_once_and_keeps_only_a_hash(client_for, member):
    client = client_for(member)

    response = client.post(url("create"), FORM)

    registered = Connector.objects.get()
    secret = response.context["secret"]
    page = response.content.decode()
    assert response.status_code == 200
    assert str(registered.public_id) in page and secret in page
    assert "Copy the secret now: it is shown only this once." in page
    assert "no-store" in response["Cache-Control"]
    assert registered.created_by == member
    assert registered.permissions == ["read_group_members", "post_messages"]
    assert registered.secret_hash == credentials.hash_secret(secret) != secret
    stored = Connector.objects.filter(pk=registered.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    # Never again: not on its page, not in the list.
    assert secret not in client.get(url("detail", connector_id=registered.pk)).content.decode()
    assert secret not in client.get(url("list")).content.decode()


def test_the_secret_checks_in_constant_time_against_the_hash_and_finds_its_connector(organization, member):
    registered, secret = services.register_connector(
        organization=organization,
        created_by=member,
        name="CRM",
        callback_url="https://c.example.com",
        permissions=["post_messages"],
    )

    assert credentials.secret_matches(secret, registered.secret_hash)
    assert not credentials.secret_matches(secret + "x", registered.secret_hash)
    assert selectors.authenticated_connector(public_id=str(registered.public_id), secret=secret) == registered
    assert selectors.authenticated_connector(public_id=str(registered.public_id), secret="guess") is None
    assert selectors.authenticated_connector(public_id="not-an-id", secret=secret) is None


def test_rotating_asks_first_then_shows_a_new_secret_once_and_the_old_one_stops_working(
    client_for, organization, member
):
    registered, old_secret = services.register_connector(
        organization=organization,
        created_by=member,
        name="CRM",
        callback_url="https://c.example.com",
        permissions=["post_messages"],
    )
    client = client_for(member)

    confirm = client.get(url("rotate_secret", connector_id=registered.pk))
    rotated = client.post(url("rotate_secret", connector_id=registered.pk))

    new_secret = rotated.context["secret"]
    registered.refresh_from_db()
    assert "The current secret <strong>stops working at once</strong>" in confirm.content.decode()
    assert new_secret != old_secret and new_secret in rotated.content.decode()
    assert "CRM has a new secret; the old one no longer works." in rotated.content.decode()
    assert registered.secret_rotated_at is not None
    assert credentials.secret_matches(new_secret, registered.secret_hash)
    assert not credentials.secret_matches(old_secret, registered.secret_hash)
    assert new_secret not in client.get(url("detail", connector_id=registered.pk)).content.decode()


def test_only_the_creator_and_org_admins_rotate_or_delete(client_for, organization, org_admin, group_admin, member):
    registered = connector(organization, member)
    old_hash = registered.secret_hash

    assert client_for(group_admin).post(url("rotate_secret", connector_id=registered.pk)).status_code == 403
    assert client_for(group_admin).post(url("delete", connector_id=registered.pk)).status_code == 403
    registered.refresh_from_db()
    assert registered.secret_hash == old_hash
    assert client_for(org_admin).post(url("rotate_secret", connector_id=registered.pk)).status_code == 200
    assert client_for(org_admin).post(url("delete", connector_id=registered.pk)).status_code == 302
    assert not Connector.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"callback_url": "http://crm.example.com/kaizala"},
            "callback_url",
            "The callback URL must start with https://",
        ),
        ({"callback_url": "not a url"}, "callback_url", "Enter a valid URL."),
        ({"permissions": []}, "permissions", "Choose at least one permission: a connector with none can do nothing."),
        ({"permissions": ["delete_groups"]}, "permissions", "Select a valid choice. delete_groups is not one of"),
        ({"name": "crm SYNC"}, "name", "Contoso already has a connector named crm SYNC."),
    ],
    ids=["http", "not a url", "no permission", "unknown permission", "name taken"],
)
def test_a_connector_form_with_a_mistake_says_what_and_registers_nothing(
    client_for, organization, member, changes, field, message, settings
):
    settings.CONNECTORS_REQUIRE_HTTPS = True
    connector(organization, member)

    response = client_for(member).post(url("create"), {**FORM, **changes})

    assert response.status_code == 200
    [error] = response.context["form"].errors[field]
    assert error.startswith(message)
    assert Connector.objects.count() == 1


def test_plain_http_callbacks_are_allowed_when_https_is_not_required(client_for, member, settings):
    settings.CONNECTORS_REQUIRE_HTTPS = False

    response = client_for(member).post(url("create"), {**FORM, "callback_url": "http://crm.example.com:8001/hook"})

    assert response.status_code == 200
    assert Connector.objects.get().callback_url == "http://crm.example.com:8001/hook"


def test_the_list_shows_ones_own_connectors_and_with_the_toggle_all(client_for, organization, org_admin, member):
    connector(organization, member, "Meera's bot")
    connector(organization, org_admin, "Asha's bot")

    mine = client_for(member).get(url("list"))
    everything = client_for(member).get(url("list") + "?show=all")

    assert [c.name for c in mine.context["page"]] == ["Meera's bot"]
    assert [c.name for c in everything.context["page"]] == ["Asha's bot", "Meera's bot"]


def test_publishing_and_unpublishing_follow_the_groups_the_role_reaches(
    client_for, organization, org_admin, group_admin, member, admin_group
):
    other = GroupFactory(organization=organization, name="Sales South")
    registered = connector(organization, member)
    client = client_for(group_admin)

    published = client.post(url("publish", connector_id=registered.pk), {"group": [admin_group.pk]}, follow=True)
    forged = client.post(url("publish", connector_id=registered.pk), {"group": [other.pk]})

    assert "Published CRM sync to Sales North." in published.content.decode()
    assert forged.status_code == 403
    assert "You may not publish to one of the chosen groups" in forged.content.decode()
    assert list(ConnectorPublication.objects.values_list("group", flat=True)) == [admin_group.pk]
    assert published.context["publish_form"].published_everywhere
    group_page = client_for(member).get(
        reverse("groups:detail", kwargs={"org_slug": "contoso", "group_id": admin_group.pk})
    )
    assert list(group_page.context["published_connectors"]) == [registered]

    client.post(url("unpublish", connector_id=registered.pk, group_id=admin_group.pk))
    assert not ConnectorPublication.objects.exists()


def test_unpublishing_asks_first_and_names_the_group_by_its_path(
    client_for, organization, org_admin, admin_group, member
):
    admin_group.parent = GroupFactory(organization=organization, name="Field Staff")
    admin_group.save()
    registered = connector(organization, member)
    services.publish_connector(connector=registered, group=admin_group, published_by=org_admin)
    client = client_for(org_admin)

    confirm = client.get(url("unpublish", connector_id=registered.pk, group_id=admin_group.pk)).content.decode()
    assert ConnectorPublication.objects.exists()
    done = client.post(url("unpublish", connector_id=registered.pk, group_id=admin_group.pk), follow=True)

    assert "Unpublish CRM sync from Field Staff / Sales North?" in confirm
    assert "will no longer read from or post to <strong>Field Staff / Sales North</strong>" in confirm
    assert "Unpublished CRM sync from Field Staff / Sales North." in done.content.decode()
    assert not ConnectorPublication.objects.exists()


def test_another_organizations_connector_is_not_found(client_for, other_organization, other_org_admin, org_admin):
    theirs = connector(other_organization, other_org_admin)

    assert client_for(org_admin).get(url("detail", connector_id=theirs.pk)).status_code == 404
    assert client_for(org_admin).post(url("rotate_secret", connector_id=theirs.pk)).status_code == 404


def test_a_second_registration_under_a_taken_name_is_a_form_error_not_a_crash(organization, member):
    # What a double click does when both requests pass the form's check before either is saved.
    details = {"name": "CRM", "callback_url": "https://crm.example.com/hook", "permissions": []}
    services.register_connector(organization=organization, created_by=member, **details)
    with pytest.raises(services.NameTaken):
        services.register_connector(organization=organization, created_by=member, **details)
    assert Connector.objects.filter(organization=organization).count() == 1
