from django.urls import reverse

from users.models import OrganizationUser

from ..factories import OrganizationFactory, OrganizationUserFactory


def test_a_person_in_one_organization_goes_straight_to_it(client_for, organization, org_admin):
    response = client_for(org_admin).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("users:list", kwargs={"org_slug": "contoso"})


def test_a_member_lands_on_their_groups(client_for, organization, member):
    response = client_for(member).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("groups:list", kwargs={"org_slug": "contoso"})
    assert "Sales North" in response.content.decode()


def test_a_person_in_several_organizations_picks_one(client_for, organization, other_organization, org_admin):
    OrganizationUserFactory(organization=other_organization, user=org_admin, role=OrganizationUser.Role.MEMBER)
    response = client_for(org_admin).get(reverse("home"), follow=True)
    content = response.content.decode()
    assert "Choose an organization" in content
    assert "Contoso" in content and "Fabrikam" in content


def test_the_picker_lists_only_the_persons_organizations(client_for, organization, org_admin):
    OrganizationFactory(name="Unrelated Ltd")
    content = client_for(org_admin).get(reverse("organization_picker")).content.decode()
    assert "Contoso" in content and "Unrelated Ltd" not in content


def test_a_superuser_sees_every_organization(client_for, organization, other_organization, superuser):
    content = client_for(superuser).get(reverse("organization_picker")).content.decode()
    assert "Contoso" in content and "Fabrikam" in content


def test_someone_in_no_organization_is_told_what_to_do(client_for, db):
    from ..factories import UserFactory

    response = client_for(UserFactory()).get(reverse("home"), follow=True)
    assert "Ask an organization admin to add your phone number." in response.content.decode()
