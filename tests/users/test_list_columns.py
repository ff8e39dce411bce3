from django.urls import reverse

from users.models import UserListPreference

from ..factories import OrganizationUserFactory


def columns_url(organization):
    return reverse("users:columns", kwargs={"org_slug": organization.slug})


def list_url(organization):
    return reverse("users:list", kwargs={"org_slug": organization.slug})


def headings(response):
    return [column.label for column in response.context["columns"]]


def test_chosen_columns_are_remembered_per_admin_and_organization(
    client_for, organization, other_organization, org_admin
):
    OrganizationUserFactory(organization=other_organization, user=org_admin, role="org_admin")
    client = client_for(org_admin)
    response = client.post(columns_url(organization), {"columns": ["role", "groups", "last_login"]})
    assert response.status_code == 302

    assert headings(client.get(list_url(organization))) == ["Role", "Groups", "Last login"]
    # The other organization keeps its own (default) choice.
    assert headings(client.get(list_url(other_organization))) == ["Date added", "Source"]


def test_another_admin_keeps_their_own_columns(client_for, organization, org_admin, superuser):
    client_for(org_admin).post(columns_url(organization), {"columns": ["role"]})
    assert headings(client_for(superuser).get(list_url(organization))) == ["Date added", "Source"]


def test_a_fifth_column_is_refused_with_a_message(client_for, organization, org_admin):
    client = client_for(org_admin)
    client.post(columns_url(organization), {"columns": ["role"]})
    response = client.post(columns_url(organization), {"columns": ["added_at", "source", "role", "groups", "added_by"]})
    assert response.status_code == 200
    assert "You chose 5 columns; the list shows at most 4. Untick one to continue." in response.content.decode()
    assert UserListPreference.objects.get(user=org_admin, organization=organization).columns == ["role"]


def test_unknown_columns_are_refused(client_for, organization, org_admin):
    response = client_for(org_admin).post(columns_url(organization), {"columns": ["password"]})
    assert response.status_code == 200
    assert not UserListPreference.objects.filter(user=org_admin).exists()


def test_saving_returns_to_the_list_as_it_was_but_never_to_another_site(client_for, organization, org_admin):
    client = client_for(org_admin)
    back = list_url(organization) + "?q=priya&sort=-name"
    response = client.post(columns_url(organization), {"columns": ["role"], "next": back})
    assert response["Location"] == back
    response = client.post(columns_url(organization), {"columns": ["role"], "next": "https://evil.example/"})
    assert response["Location"] == list_url(organization)


def test_no_columns_at_all_is_allowed(client_for, organization, org_admin):
    client = client_for(org_admin)
    client.post(columns_url(organization), {})
    assert headings(client.get(list_url(organization))) == []
