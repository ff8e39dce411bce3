"""Attribute values on users: edited on the user's page, required where mandatory, shown and filtered on the list."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from users.models import OrganizationUser, UserListPreference

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory


@pytest.fixture
def attributes(organization):
    return {
        "employee_id": AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True),
        "salary": AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number"),
        "vehicle": AttributeDefinitionFactory(organization=organization, name="Has a vehicle", value_type="boolean"),
        "joined": AttributeDefinitionFactory(organization=organization, name="Joined", value_type="datetime"),
    }


def edit_url(organization, user):
    return reverse("attributes:edit_values", kwargs={"org_slug": organization.slug, "user_id": user.pk})


def values_of(organization, user):
    return OrganizationUser.objects.get(organization=organization, user=user).attribute_values


def form(attributes, organization, user, **values):
    """The edit form as the page offers it for ``user``, with ``values`` typed into their attributes."""
    membership = OrganizationUser.objects.get(organization=organization, user=user)
    fields = {"name": membership.name, "version": membership.version}
    return fields | {f"attr_{attributes[name].pk}": value for name, value in values.items()}


def test_admin_sets_values_which_are_stored_canonically_and_shown_on_the_detail_page(
    client_for, organization, org_admin, member, attributes
):
    client = client_for(org_admin)
    data = form(
        attributes, organization, member, employee_id=" E-17 ", salary="1.234,5", vehicle="yes", joined="31/03/2024"
    )
    response = client.post(edit_url(organization, member), data, follow=True)

    assert "Saved Meera Member." in response.content.decode()
    assert values_of(organization, member) == {
        attributes["employee_id"].key: "E-17",
        attributes["salary"].key: 1234.5,
        attributes["vehicle"].key: True,
        attributes["joined"].key: "2024-03-31",
    }
    content = response.content.decode()
    for shown in ["E-17", "1,234.5", "Yes", "31 Mar 2024"]:
        assert shown in content


def test_type_errors_are_shown_beside_the_field_and_nothing_is_saved(
    client_for, organization, org_admin, member, attributes
):
    OrganizationUser.objects.filter(organization=organization, user=member).update(
        attribute_values={attributes["employee_id"].key: "E-1"}
    )
    data = form(attributes, organization, member, employee_id="E-2", salary="lots", vehicle="yes", joined="31/02/2024")
    response = client_for(org_admin).post(edit_url(organization, member), data)
    content = response.content.decode()
    assert "“lots” is not a number." in content
    assert "“31/02/2024” is not a real date." in content
    assert values_of(organization, member) == {attributes["employee_id"].key: "E-1"}


def test_a_mandatory_attribute_cannot_be_emptied(client_for, organization, org_admin, member, attributes):
    OrganizationUser.objects.filter(organization=organization, user=member).update(
        attribute_values={attributes["employee_id"].key: "E-1"}
    )
    response = client_for(org_admin).post(
        edit_url(organization, member), form(attributes, organization, member, employee_id=" ")
    )
    assert "Employee ID is mandatory." in response.content.decode()
    assert values_of(organization, member) == {attributes["employee_id"].key: "E-1"}


@pytest.mark.parametrize("who", ["group_admin", "member"])
def test_only_org_admins_edit_values(request, client_for, organization, member, attributes, who):
    client = client_for(request.getfixturevalue(who))
    response = client.post(edit_url(organization, member), form(attributes, organization, member, employee_id="X"))
    assert response.status_code == 403
    assert values_of(organization, member) == {}


def test_another_organizations_admin_cannot_edit_values_here(
    client_for, organization, member, other_org_admin, attributes
):
    response = client_for(other_org_admin).post(
        edit_url(organization, member), form(attributes, organization, member, employee_id="X")
    )
    assert response.status_code == 404
    assert values_of(organization, member) == {}


class TestAddingUsers:
    def add(self, client, organization, data):
        return client.post(reverse("users:add", kwargs={"org_slug": organization.slug}), data)

    def test_adding_one_user_takes_their_attributes_and_requires_the_mandatory_ones(
        self, client_for, organization, org_admin, attributes
    ):
        client = client_for(org_admin)
        data = {"add_one": "1", "one-name": "Priya", "one-phone_number": "+91 98123 45678"}
        response = self.add(client, organization, data)
        assert "Employee ID is mandatory." in response.content.decode()
        assert not OrganizationUser.objects.filter(user__phone_number="+919812345678").exists()

        data |= {f"one-attr_{attributes['employee_id'].pk}": "E-9", f"one-attr_{attributes['salary'].pk}": "7"}
        self.add(client, organization, data)
        membership = OrganizationUser.objects.get(user__phone_number="+919812345678")
        assert membership.attribute_values == {attributes["employee_id"].key: "E-9", attributes["salary"].key: 7}

    def test_a_list_of_numbers_cannot_skip_mandatory_attributes(self, client_for, organization, org_admin, attributes):
        response = self.add(
            client_for(org_admin), organization, {"add_list": "1", "list-phone_numbers": "+91 98123 45678"}
        )
        assert "Employee ID is mandatory in Contoso" in response.content.decode()
        assert not OrganizationUser.objects.filter(user__phone_number="+919812345678").exists()


class TestUsersList:
    @pytest.fixture
    def staff(self, organization, attributes):
        rows = [
            ("Asha", "E-1", 3, True, "2024-01-15"),
            ("Bala", "E-2", 10, False, "2023-06-01"),
            ("Chen", "X-3", 7, True, "2024-03-31T18:00"),
            ("Dev", None, None, None, None),
        ]
        for name, employee_id, grade, vehicle, joined in rows:
            values = {
                attributes["employee_id"].key: employee_id,
                attributes["salary"].key: grade,
                attributes["vehicle"].key: vehicle,
                attributes["joined"].key: joined,
            }
            OrganizationUserFactory(
                organization=organization,
                name=name,
                attribute_values={k: v for k, v in values.items() if v is not None},
            )

    def names(self, client, organization, **params):
        url = reverse("users:list", kwargs={"org_slug": organization.slug}) + "?" + urlencode(params)
        response = client.get(url)
        assert response.status_code == 200
        return [m.name for m in response.context["page"] if m.name != "Asha Admin"]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"a{employee_id}_contains": "e-"}, ["Asha", "Bala"]),
            ({"a{employee_id}_equals": "x-3"}, ["Chen"]),
            ({"a{salary}_min": "5"}, ["Bala", "Chen"]),
            ({"a{salary}_min": "3", "a{salary}_max": "7,0"}, ["Asha", "Chen"]),
            ({"a{salary}_equals": "10"}, ["Bala"]),
            ({"a{vehicle}_equals": "yes"}, ["Asha", "Chen"]),
            ({"a{vehicle}_equals": "no"}, ["Bala"]),
            ({"a{joined}_min": "1/1/2024"}, ["Asha", "Chen"]),
            ({"a{joined}_max": "31/03/2024"}, ["Asha", "Bala", "Chen"]),
            ({"a{joined}_max": "30/03/2024"}, ["Asha", "Bala"]),
            ({"a{joined}_max": "31/12/9999"}, ["Asha", "Bala", "Chen"]),  # the last day there is
            ({"a{joined}_max": "9999-12-31"}, ["Asha", "Bala", "Chen"]),
        ],
    )
    def test_filters_by_attribute_value(self, client_for, organization, org_admin, attributes, staff, params, expected):
        ids = {name: definition.pk for name, definition in attributes.items()}
        params = {key.format(**ids): value for key, value in params.items()}
        assert self.names(client_for(org_admin), organization, **params) == expected

    def test_a_bad_filter_value_is_reported_and_ignored(self, client_for, organization, org_admin, attributes, staff):
        url = reverse("users:list", kwargs={"org_slug": organization.slug})
        response = client_for(org_admin).get(url, {f"a{attributes['salary'].pk}_min": "lots"})
        assert "“lots” is not a number." in response.content.decode()
        assert len(response.context["page"]) == 5

    def test_sorting_by_an_attribute_puts_blanks_last(self, client_for, organization, org_admin, attributes, staff):
        client = client_for(org_admin)
        key = attributes["salary"].column_key
        assert self.names(client, organization, sort=key) == ["Asha", "Chen", "Bala", "Dev"]
        assert self.names(client, organization, sort=f"-{key}") == ["Bala", "Chen", "Asha", "Dev"]
        key = attributes["joined"].column_key
        assert self.names(client, organization, sort=key) == ["Bala", "Asha", "Chen", "Dev"]

    def test_attributes_are_columns_and_queries_stay_constant(
        self, client_for, organization, org_admin, attributes, staff, django_assert_num_queries
    ):
        columns = [attributes["salary"].column_key, attributes["vehicle"].column_key, "source", "role"]
        UserListPreference.objects.create(user=org_admin, organization=organization, columns=columns)
        OrganizationUserFactory.create_batch(40, organization=organization)
        client = client_for(org_admin)
        url = reverse("users:list", kwargs={"org_slug": organization.slug})
        params = {f"a{attributes['vehicle'].pk}_equals": "yes", "sort": attributes["salary"].column_key}
        # One query for the page's ids, one for their rows (see users.selectors.users_page). Filtered
        # and sorted by a value some lack, the ids are asked of each stretch (with a Grade, without),
        # each after a look at where the list's first 2,000 rows end (users.pages._found).
        with django_assert_num_queries(14):
            client.get(url, {**params, "per_page": 25})
        with django_assert_num_queries(12):
            response = client.get(url, {"per_page": 100})
        content = response.content.decode()
        assert "Grade" in content and "Has a vehicle" in content
        assert "1,234" not in content and ">10<" in content.replace(" ", "").replace("\n", "")

    def test_the_summary_says_which_filters_apply(self, client_for, organization, org_admin, attributes, staff):
        url = reverse("users:list", kwargs={"org_slug": organization.slug})
        response = client_for(org_admin).get(url, {f"a{attributes['salary'].pk}_min": "5"})
        assert "filtered by Grade at least “5”" in response.content.decode()


def test_postgresql_indexes_attribute_values_for_equality_filters(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("GIN indexes exist only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_orguser_attribute_values_gin'")
        (definition,) = cursor.fetchone()
    assert "USING gin (attribute_values jsonb_path_ops)" in definition


def test_renaming_a_person_is_this_organizations_alone_and_audited(
    client_for, organization, other_organization, org_admin, member, attributes
):
    OrganizationUser.objects.create(organization=other_organization, user=member, name="Meera M. (Fabrikam)")
    data = form(attributes, organization, member, employee_id="E-1") | {"name": "Meera Menon"}

    response = client_for(org_admin).post(edit_url(organization, member), data, follow=True)

    assert "Saved Meera Menon." in response.content.decode()
    assert OrganizationUser.objects.get(organization=organization, user=member).name == "Meera Menon"
    assert OrganizationUser.objects.get(organization=other_organization, user=member).name == "Meera M. (Fabrikam)"
    event = AuditEvent.objects.filter(organization=organization, verb=AuditEvent.Verb.USER_UPDATED).get()
    assert {"attribute": "Name", "before": "Meera Member", "after": "Meera Menon"} in event.details["changes"]
    assert not AuditEvent.objects.filter(organization=other_organization).exists()


def test_a_save_on_a_form_opened_before_an_import_changed_the_person_is_refused_with_the_current_values(
    client_for, organization, org_admin, member, attributes
):
    opened = form(attributes, organization, member, employee_id="E-1")  # the page as the admin opened it
    # Meanwhile an import (or another admin) sets another value.
    current = OrganizationUser.objects.get(organization=organization, user=member)
    current.name, current.attribute_values = "Meera Imported", {attributes["employee_id"].key: "E-IMPORTED"}
    current.save()

    response = client_for(org_admin).post(edit_url(organization, member), opened | {"name": "Meera Typed"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "was changed since you opened this page" in content and "nothing was saved" in content
    # The form now shows what is there, and carries the version that a new save would be checked against.
    assert response.context["profile_form"].initial == {"name": "Meera Imported", "version": current.version}
    assert 'value="E-IMPORTED"' in content
    current.refresh_from_db()
    assert (current.name, current.attribute_values) == ("Meera Imported", {attributes["employee_id"].key: "E-IMPORTED"})
    # Saving again from the refreshed form goes through.
    again = form(attributes, organization, member, employee_id="E-2") | {"name": "Meera Typed"}
    client_for(org_admin).post(edit_url(organization, member), again)
    current.refresh_from_db()
    assert (current.name, current.attribute_values) == ("Meera Typed", {attributes["employee_id"].key: "E-2"})


def test_the_import_clearing_token_is_refused_as_a_name_and_nothing_is_saved(
    client_for, organization, org_admin, member, attributes
):
    data = form(attributes, organization, member, employee_id="E-9") | {"name": "#Clear"}
    response = client_for(org_admin).post(edit_url(organization, member), data)
    assert "#CLEAR is kept for clearing a name in an import file; it cannot be a name." in response.content.decode()
    membership = OrganizationUser.objects.get(organization=organization, user=member)
    assert membership.name == "Meera Member" and attributes["employee_id"].key not in membership.attribute_values
