"""A person with no name here is shown by their number, once, wherever name and number go together."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from users import names
from users import services as user_services

from ..factories import GroupMembershipFactory, OrganizationUserFactory, UserFactory

NUMBER = "+91 70707 00112"


@pytest.fixture
def nameless(organization):
    """Someone the organization has given no name (as a list of numbers adds people)."""
    return OrganizationUserFactory(organization=organization, name="", user=UserFactory(phone_number="+917070700112"))


@pytest.mark.parametrize("name", ["", "   ", NUMBER, "+917070700112"])
def test_a_label_without_a_real_name_is_the_number_once(db, name):
    user = UserFactory(phone_number="+917070700112")
    assert names.label(user, name) == NUMBER


def test_a_label_with_a_name_adds_the_number_in_brackets(db):
    user = UserFactory(phone_number="+917070700112")
    assert names.label(user, " Asha Rao ") == f"Asha Rao ({NUMBER})"


def test_the_delete_confirmation_shows_a_nameless_person_by_their_number_once(
    client_for, organization, org_admin, nameless
):
    url = reverse("users:delete", kwargs={"org_slug": organization.slug, "user_id": nameless.user_id})
    content = client_for(org_admin).get(url).content.decode()
    assert f"This removes <strong>{NUMBER}</strong> from <strong>Contoso</strong>" in content
    assert f"{NUMBER} ({NUMBER})" not in content


def test_the_delete_confirmation_shows_a_named_person_with_their_number(client_for, organization, org_admin, member):
    url = reverse("users:delete", kwargs={"org_slug": organization.slug, "user_id": member.pk})
    content = client_for(org_admin).get(url).content.decode()
    assert f"This removes <strong>Meera Member ({member.phone_display})</strong> from" in content


def test_the_group_removal_confirmation_shows_a_nameless_member_by_their_number_once(
    client_for, organization, org_admin, admin_group, nameless
):
    GroupMembershipFactory(group=admin_group, user=nameless.user)
    url = reverse(
        "groups:remove_member",
        kwargs={"org_slug": organization.slug, "group_id": admin_group.pk, "user_id": nameless.user_id},
    )
    content = client_for(org_admin).get(url).content.decode()
    assert f"This removes <strong>{NUMBER}</strong> from the group <strong>Sales North</strong>" in content
    assert f"{NUMBER} ({NUMBER})" not in content


def test_the_audit_log_names_a_nameless_person_by_their_number_once(organization, org_admin, nameless):
    user_services.delete_org_user(org_user=nameless, deleted_by=org_admin)
    event = AuditEvent.objects.get(organization=organization, verb=AuditEvent.Verb.USER_DELETED)
    assert event.target_label == NUMBER
