"""Making someone an organization admin, and revoking it, from the user detail page."""

import pytest
from django.urls import reverse

from audit import sentences
from audit.models import AuditEvent
from kaizala_portal import policy
from kaizala_portal.policy import Role
from users import services
from users.models import OrganizationUser

from ..factories import OrganizationUserFactory, UserFactory

ADMIN = OrganizationUser.Role.ORG_ADMIN
MEMBER = OrganizationUser.Role.MEMBER


def membership(organization, user) -> OrganizationUser:
    return OrganizationUser.objects.select_related("user").get(organization=organization, user=user)


def role_of(organization, user) -> str:
    return membership(organization, user).role


def url(name, organization, user):
    return reverse(name, kwargs={"org_slug": organization.slug, "user_id": user.pk})


def detail_url(organization, user):
    return url("users:detail", organization, user)


def make_url(organization, user):
    return url("users:make_org_admin", organization, user)


def revoke_url(organization, user):
    return url("users:revoke_org_admin", organization, user)


def role_events(organization):
    return AuditEvent.objects.filter(organization=organization, verb=AuditEvent.Verb.USER_UPDATED)


@pytest.fixture
def second_admin(organization):
    return OrganizationUserFactory(organization=organization, role=ADMIN, name="Sunil Second").user


# The services ---------------------------------------------------------------------------------


def test_making_a_member_an_org_admin_gives_them_the_whole_organization(organization, org_admin, member):
    services.make_org_admin(org_user=membership(organization, member), made_by=org_admin)

    assert role_of(organization, member) == ADMIN
    assert policy.viewer_for(member, organization).role == Role.ORG_ADMIN
    event = role_events(organization).get()
    assert (event.actor, event.target, event.details) == (
        org_admin,
        member,
        {"org_role": {"before": "member", "after": "org_admin"}},
    )
    assert event.target_label == f"Meera Member ({member.phone_display})"
    assert sentences.sentence(event) == (
        f"Asha Admin ({org_admin.phone_display}) made Meera Member ({member.phone_display}) an organization admin."
    )
    assert sentences.detail_lines(event) == ["Role: Member → Organization admin"]


def test_revoking_an_org_admin_makes_them_a_member_and_records_it(organization, org_admin, second_admin):
    services.revoke_org_admin(org_user=membership(organization, second_admin), revoked_by=org_admin)

    assert role_of(organization, second_admin) == MEMBER
    assert policy.viewer_for(second_admin, organization).role == Role.MEMBER
    event = role_events(organization).get()
    assert sentences.sentence(event) == (
        f"Asha Admin ({org_admin.phone_display}) made Sunil Second ({second_admin.phone_display}) a member, "
        "no longer an organization admin."
    )
    assert sentences.detail_lines(event) == ["Role: Organization admin → Member"]


def test_the_last_org_admin_keeps_the_role_with_the_reason(organization, org_admin, superuser):
    with pytest.raises(services.CannotChangeRole) as refused:
        services.revoke_org_admin(org_user=membership(organization, org_admin), revoked_by=superuser)

    assert str(refused.value) == (
        "Asha Admin is the last organization admin of Contoso, and an organization keeps at least one. "
        "Make someone else an organization admin first."
    )
    assert role_of(organization, org_admin) == ADMIN
    assert not role_events(organization).exists()


def test_a_role_given_in_one_organization_changes_nothing_in_another(
    organization, other_organization, org_admin, other_org_member
):
    OrganizationUserFactory(organization=organization, user=other_org_member, name="Felix Here")

    services.make_org_admin(org_user=membership(organization, other_org_member), made_by=org_admin)

    assert role_of(organization, other_org_member) == ADMIN
    assert role_of(other_organization, other_org_member) == MEMBER
    assert policy.viewer_for(other_org_member, other_organization).role == Role.MEMBER
    assert not AuditEvent.objects.filter(organization=other_organization).exists()


# The pages ------------------------------------------------------------------------------------


def test_org_admin_makes_a_member_org_admin_with_the_button(client_for, organization, org_admin, member):
    client = client_for(org_admin)
    page = client.get(detail_url(organization, member)).content.decode()
    assert "Make organization admin" in page
    assert make_url(organization, member) in page

    response = client.post(make_url(organization, member), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(organization, member)
    content = response.content.decode()
    assert "Meera Member is now an organization admin of Contoso." in content
    assert "Remove organization admin" in content
    assert role_of(organization, member) == ADMIN


def test_revoking_asks_first_and_changes_nothing_until_confirmed(client_for, organization, org_admin, second_admin):
    client = client_for(org_admin)

    asked = client.post(revoke_url(organization, second_admin))

    content = asked.content.decode()
    assert asked.status_code == 200
    assert "Remove Sunil Second as organization admin of Contoso?" in content
    assert "stays in Contoso as a member" in content
    assert "lose access" not in content
    assert role_of(organization, second_admin) == ADMIN

    response = client.post(revoke_url(organization, second_admin), {"confirm": "1"}, follow=True)

    assert "Sunil Second is no longer an organization admin of Contoso." in response.content.decode()
    assert role_of(organization, second_admin) == MEMBER


def test_revoking_ones_own_role_warns_of_losing_the_admin_pages(client_for, organization, org_admin, second_admin):
    client = client_for(org_admin)

    asked = client.post(revoke_url(organization, org_admin)).content.decode()

    assert "Remove yourself as organization admin of Contoso?" in asked
    assert "You will lose access to the admin pages of Contoso" in asked
    assert role_of(organization, org_admin) == ADMIN

    response = client.post(revoke_url(organization, org_admin), {"confirm": "1"}, follow=True)

    assert "You are no longer an organization admin of Contoso." in response.content.decode()
    assert role_of(organization, org_admin) == MEMBER
    assert client.get(reverse("users:list", kwargs={"org_slug": organization.slug})).status_code == 403


def test_the_last_org_admin_cannot_revoke_their_role_and_is_told_why(client_for, organization, org_admin):
    client = client_for(org_admin)
    reason = "Asha Admin is the last organization admin of Contoso, and an organization keeps at least one."

    asked = client.post(revoke_url(organization, org_admin)).content.decode()

    assert reason in asked
    assert "Remove organization admin</button>" not in asked

    # Posting the confirmation anyway is refused on the server.
    response = client.post(revoke_url(organization, org_admin), {"confirm": "1"}, follow=True)

    assert reason in response.content.decode()
    assert role_of(organization, org_admin) == ADMIN
    assert not role_events(organization).exists()


def test_the_buttons_are_only_for_whom_the_policy_allows(client_for, organization, group_admin, member, superuser):
    for person, shown in ((group_admin, False), (superuser, True)):
        page = client_for(person).get(detail_url(organization, member)).content.decode()
        assert ("Make organization admin" in page) is shown, person
        assert (make_url(organization, member) in page) is shown, person


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("group_admin", 403), ("other_org_admin", 404)])
def test_others_cannot_grant_or_revoke(request, client_for, organization, org_admin, outsider_member, who, status):
    client = client_for(request.getfixturevalue(who))

    assert client.post(make_url(organization, outsider_member)).status_code == status
    assert client.post(revoke_url(organization, org_admin), {"confirm": "1"}).status_code == status

    assert (role_of(organization, outsider_member), role_of(organization, org_admin)) == (MEMBER, ADMIN)
    assert not role_events(organization).exists()


def test_granting_and_revoking_take_a_post_only(client_for, organization, org_admin, member):
    client = client_for(org_admin)
    assert client.get(make_url(organization, member)).status_code == 405
    assert client.get(revoke_url(organization, org_admin)).status_code == 405
    assert role_of(organization, member) == MEMBER


def test_a_user_of_another_organization_is_not_found(client_for, organization, org_admin, other_org_member):
    client = client_for(org_admin)
    assert client.post(make_url(organization, other_org_member)).status_code == 404
    assert OrganizationUser.objects.get(user=other_org_member).role == MEMBER


def test_a_person_with_no_name_is_named_by_their_number(client_for, organization, org_admin):
    nameless = OrganizationUserFactory(organization=organization, name="", user=UserFactory()).user
    response = client_for(org_admin).post(make_url(organization, nameless), follow=True)
    assert f"{nameless.phone_display} is now an organization admin of Contoso." in response.content.decode()
    assert role_events(organization).get().target_label == nameless.phone_display
