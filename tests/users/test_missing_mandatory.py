"""People who joined without a mandatory value are let in, and shown: a filter, a count, a mark."""

import pytest
from django.urls import reverse

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory


@pytest.fixture
def mandatory(organization):
    employee_id = AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True)
    grade = AttributeDefinitionFactory(organization=organization, name="Grade", mandatory=True)
    AttributeDefinitionFactory(organization=organization, name="Nickname")  # optional: never "missing"
    return employee_id, grade


@pytest.fixture
def people(organization, mandatory, admin_group):
    employee_id, grade = mandatory
    complete = {employee_id.key: "E1", grade.key: "3"}
    return {
        "complete": OrganizationUserFactory(organization=organization, name="Cora Complete", attribute_values=complete),
        "no grade": OrganizationUserFactory(
            organization=organization, name="Nell Nograde", attribute_values={employee_id.key: "E2"}
        ),
        # Joined through a group: nobody asked for anything.
        "joined by group": OrganizationUserFactory(organization=organization, name="Gus Group", added_directly=False),
    }


def list_names(client, organization, **params):
    response = client.get(reverse("users:list", kwargs={"org_slug": organization.slug}), params)
    return [org_user.name for org_user in response.context["page"]]


def count_text(client, organization) -> str:
    response = client.get(reverse("users:missing_mandatory", kwargs={"org_slug": organization.slug}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_filter_lists_exactly_the_people_missing_a_mandatory_value(
    client_for, organization, org_admin, people, other_org_member
):
    client = client_for(org_admin)
    # The org admin fixture has no values either: the organization asked nothing of its admin.
    assert list_names(client, organization, missing="true") == ["Asha Admin", "Gus Group", "Nell Nograde"]
    assert "Cora Complete" in list_names(client, organization)
    assert "3 people are missing mandatory values" in count_text(client, organization)


def test_the_list_offers_the_filter_and_asks_for_the_count_only_where_something_is_mandatory(
    client_for, organization, org_admin, people
):
    client = client_for(org_admin)
    page = client.get(reverse("users:list", kwargs={"org_slug": organization.slug})).content.decode()
    assert "Missing mandatory values" in page
    assert reverse("users:missing_mandatory", kwargs={"org_slug": organization.slug}) in page


def test_with_nothing_mandatory_there_is_no_filter_and_nobody_is_missing_anything(client_for, organization, org_admin):
    AttributeDefinitionFactory(organization=organization, name="Nickname")
    OrganizationUserFactory(organization=organization, name="Nia Nothing")
    client = client_for(org_admin)
    page = client.get(reverse("users:list", kwargs={"org_slug": organization.slug})).content.decode()
    assert "Missing mandatory values" not in page
    assert list_names(client, organization, missing="true") == []
    assert count_text(client, organization) == ""


def test_a_group_admin_counts_only_the_people_of_their_groups(client_for, organization, group_admin, member, people):
    # The group admin and the member of their group (fixtures) have no values; nobody else counts.
    assert "2 people are missing mandatory values" in count_text(client_for(group_admin), organization)


def test_the_persons_page_marks_a_missing_mandatory_value(client_for, organization, org_admin, people):
    detail = reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": people["no grade"].user_id})
    page = " ".join(client_for(org_admin).get(detail).content.decode().split())
    assert 'Grade <span class="required" title="Mandatory">*</span></dt><dd><span class="missing">Missing' in page
    assert "<dt>Nickname</dt><dd>—</dd>" in page
