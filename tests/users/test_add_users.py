import pytest
from django.urls import reverse

from users.models import OrganizationUser, User

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory, UserFactory


def add_url(organization):
    return reverse("users:add", kwargs={"org_slug": organization.slug})


def members_of(organization):
    return set(OrganizationUser.objects.filter(organization=organization).values_list("user__phone_number", flat=True))


def test_admin_adds_one_user_by_name_and_number(client_for, organization, org_admin):
    response = client_for(org_admin).post(
        add_url(organization), {"add_one": "1", "one-name": "Priya Sharma", "one-phone_number": "098123 45678"}
    )
    assert response.status_code == 302
    membership = OrganizationUser.objects.get(organization=organization, user__phone_number="+919812345678")
    assert membership.name == "Priya Sharma"
    assert membership.user.own_name == ""  # the organization's name for them, not theirs
    assert membership.added_directly and membership.added_by == org_admin
    assert membership.role == OrganizationUser.Role.MEMBER
    assert not membership.user.has_usable_password()


def test_invalid_number_for_one_user_is_shown_beside_the_field_and_nothing_is_added(
    client_for, organization, org_admin
):
    before = User.objects.count()
    response = client_for(org_admin).post(
        add_url(organization), {"add_one": "1", "one-name": "Priya", "one-phone_number": "+91 98"}
    )
    assert response.status_code == 200
    assert "This phone number is too short." in response.content.decode()
    assert User.objects.count() == before


def test_a_list_adds_the_valid_numbers_and_lists_back_each_rejected_one_with_its_reason(
    client_for, organization, org_admin
):
    OrganizationUserFactory(organization=organization, user=UserFactory(phone_number="+919876500001"))
    phone_list = "+91 98123 45678, 0091 98123 45679;  hello , +91 98123-45678,\n+91 98765 00001, +91 98"
    response = client_for(org_admin).post(add_url(organization), {"add_list": "1", "list-phone_numbers": phone_list})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Added 2 users." in content
    assert "4 entries were not added" in content
    assert "This phone number is not a phone number." in content
    assert "+91 98123 45678 is listed more than once." in content
    assert "+91 98765 00001 is already in Contoso." in content
    assert "This phone number is too short." in content
    assert {"+919812345678", "+919812345679"} <= members_of(organization)


def test_a_person_from_another_organization_joins_without_losing_anything_there(
    client_for, organization, org_admin, other_organization, other_org_member
):
    client_for(org_admin).post(
        add_url(organization),
        {"add_one": "1", "one-name": "Someone Else", "one-phone_number": other_org_member.phone_number},
    )
    there = OrganizationUser.objects.get(organization=other_organization, user=other_org_member)
    here = OrganizationUser.objects.get(organization=organization, user=other_org_member)
    assert (there.name, here.name) == ("Felix Fabrikam", "Someone Else")
    assert other_org_member.phone_number in members_of(organization)
    assert other_org_member.phone_number in members_of(other_organization)
    assert other_org_member.has_usable_password()


def test_an_empty_or_oversized_list_is_refused_with_a_message(client_for, organization, org_admin, settings):
    settings.ADD_USERS_MAX_ENTRIES = 3
    client = client_for(org_admin)
    response = client.post(add_url(organization), {"add_list": "1", "list-phone_numbers": " , ;"})
    assert "Enter at least one phone number." in response.content.decode()
    numbers = ", ".join(f"+91 98123 4567{n}" for n in range(4))
    response = client.post(add_url(organization), {"add_list": "1", "list-phone_numbers": numbers})
    assert "That is 4 numbers; add at most 3 at a time" in response.content.decode()
    assert members_of(organization) == {org_admin.phone_number}


@pytest.mark.parametrize("who", ["member", "group_admin"])
def test_only_org_admins_may_add_users(request, client_for, organization, who):
    person = request.getfixturevalue(who)
    before = members_of(organization)
    response = client_for(person).post(
        add_url(organization), {"add_list": "1", "list-phone_numbers": "+91 98123 45678"}
    )
    assert response.status_code == 403
    assert members_of(organization) == before


def test_another_organizations_admin_cannot_add_users_here(client_for, organization, org_admin, other_org_admin):
    response = client_for(other_org_admin).post(
        add_url(organization), {"add_list": "1", "list-phone_numbers": "+91 98123 45678"}
    )
    assert response.status_code == 404
    assert members_of(organization) == {org_admin.phone_number}


def test_adding_requires_a_csrf_token(organization, org_admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    response = client.post(add_url(organization), {"add_list": "1", "list-phone_numbers": "+91 98123 45678"})
    assert response.status_code == 403
    assert members_of(organization) == {org_admin.phone_number}


def test_a_name_that_would_not_show_as_typed_is_refused_beside_the_field(client_for, organization, org_admin):
    before = OrganizationUser.objects.count()
    response = client_for(org_admin).post(
        add_url(organization), {"add_one": "1", "one-name": "Priya \u202eamrahS", "one-phone_number": "098123 45678"}
    )
    assert "The name contains characters that reverse how text is shown." in response.content.decode()
    assert OrganizationUser.objects.count() == before


# With a mandatory attribute, a list of bare numbers cannot add anyone new: each entry still
# gets the reason that applies to it first, and the box keeps only the entries not added.


@pytest.fixture
def employee_id(organization):
    return AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True)


def add_list(client, organization, phone_list):
    return client.post(add_url(organization), {"add_list": "1", "list-phone_numbers": phone_list})


def rejections(response) -> dict[str, str]:
    return {entry.entry: entry.reason for entry in response.context["result"].rejected}


def test_with_a_mandatory_attribute_an_existing_member_is_reported_as_already_in(
    client_for, organization, org_admin, employee_id
):
    OrganizationUserFactory(organization=organization, user=UserFactory(phone_number="+919876500001"))
    before = members_of(organization)

    response = add_list(client_for(org_admin), organization, "+91 98765 00001")

    assert rejections(response) == {"+91 98765 00001": "+91 98765 00001 is already in Contoso."}
    assert "+91 98765 00001 is already in Contoso." in response.content.decode()
    assert members_of(organization) == before


def test_with_a_mandatory_attribute_a_repeated_number_is_reported_as_listed_more_than_once(
    client_for, organization, org_admin, employee_id
):
    before = (members_of(organization), User.objects.count())

    response = add_list(client_for(org_admin), organization, "+91 98123 45678, 098123 45678")

    assert rejections(response) == {
        "+91 98123 45678": "Employee ID is mandatory in Contoso: add this user on their own with those values, "
        "or import a file.",
        "098123 45678": "+91 98123 45678 is listed more than once.",
    }
    assert "+91 98123 45678 is listed more than once." in response.content.decode()
    assert (members_of(organization), User.objects.count()) == before


def test_with_a_mandatory_attribute_someone_in_through_a_group_with_the_values_is_added_directly(
    client_for, organization, org_admin, employee_id
):
    in_through_group = OrganizationUserFactory(
        organization=organization,
        user=UserFactory(phone_number="+919876500002"),
        added_directly=False,
        attribute_values={employee_id.key: "E-2"},
    )
    in_through_group_without = OrganizationUserFactory(
        organization=organization, user=UserFactory(phone_number="+919876500003"), added_directly=False
    )

    response = add_list(client_for(org_admin), organization, "+91 98765 00002, +91 98765 00003")

    assert rejections(response) == {
        "+91 98765 00003": "Employee ID is mandatory in Contoso: add this user on their own with those values, "
        "or import a file."
    }
    in_through_group.refresh_from_db()
    in_through_group_without.refresh_from_db()
    assert (in_through_group.added_directly, in_through_group.attribute_values) == (True, {employee_id.key: "E-2"})
    assert in_through_group_without.added_directly is False


def test_the_box_keeps_only_the_entries_that_were_not_added(client_for, organization, org_admin):
    OrganizationUserFactory(organization=organization, user=UserFactory(phone_number="+919876500001"))
    phone_list = "+91 98123 45678, hello, +91 98765 00001, 098123 45678, +91 98123 45679"

    response = add_list(client_for(org_admin), organization, phone_list)

    assert {"+919812345678", "+919812345679"} <= members_of(organization)
    box = response.context["list_form"]["phone_numbers"]
    assert box.value() == "hello, +91 98765 00001"
    textarea = response.content.decode().split('name="list-phone_numbers"')[1].split("</textarea>")[0]
    assert textarea.split(">", 1)[1].strip() == "hello, +91 98765 00001"


@pytest.mark.parametrize("name", ["#CLEAR", " #clear "])
def test_the_import_clearing_token_is_refused_as_a_name(client_for, organization, org_admin, name):
    before = OrganizationUser.objects.count()
    response = client_for(org_admin).post(
        add_url(organization), {"add_one": "1", "one-name": name, "one-phone_number": "098123 45678"}
    )
    assert "#CLEAR is kept for clearing a name in an import file; it cannot be a name." in response.content.decode()
    assert OrganizationUser.objects.count() == before
