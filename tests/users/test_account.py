"""A person's own account page: the name they give themselves is theirs, and no organization shows it."""

from django.urls import reverse

from users.models import OrganizationUser


def test_a_person_names_themselves_and_only_they_see_it(client_for, organization, org_admin, member):
    OrganizationUser.objects.filter(organization=organization, user=member).update(name="")
    client = client_for(member)

    response = client.post(reverse("account"), {"own_name": "  Meera Krishnan  "}, follow=True)

    assert "Saved your name." in response.content.decode()
    member.refresh_from_db()
    assert member.own_name == "Meera Krishnan"
    assert "Meera Krishnan" in client.get(reverse("account")).content.decode()
    # The organization gave no name: its pages show the number, never the person's own name.
    detail = client_for(org_admin).get(
        reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": member.pk})
    )
    assert "Meera Krishnan" not in detail.content.decode()
    assert member.phone_display in detail.content.decode()


def test_the_account_page_lists_the_persons_organizations(client_for, organization, other_organization, org_admin):
    OrganizationUser.objects.create(organization=other_organization, user=org_admin)
    content = client_for(org_admin).get(reverse("account")).content.decode()
    assert "Contoso" in content and "Fabrikam" in content
