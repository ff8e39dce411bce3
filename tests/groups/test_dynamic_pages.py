"""The rule editor on the group page: make a group dynamic, preview, add and remove conditions, make it ordinary."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from groups import dynamic
from groups.models import Group, GroupMembership
from groups.rules import Condition, Rule

from ..factories import AttributeDefinitionFactory, GroupMembershipFactory, OrganizationUserFactory


@pytest.fixture
def department(organization):
    return AttributeDefinitionFactory(organization=organization, name="Department")


@pytest.fixture
def grade(organization):
    return AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number")


@pytest.fixture
def people(organization, department, grade):
    for name, values in [("Kavya", ("Finance", 4)), ("Arjun", ("Finance", 2)), ("Dev", ("Sales", 5))]:
        OrganizationUserFactory(
            organization=organization, name=name, attribute_values={department.key: values[0], grade.key: values[1]}
        )


def rule_url(name, organization, group):
    return reverse(f"groups:{name}", kwargs={"org_slug": organization.slug, "group_id": group.pk})


def form(*conditions, match="all", **extra):
    data = {"match": match, "condition-TOTAL_FORMS": str(len(conditions)), "condition-INITIAL_FORMS": "0"}
    for number, (attribute, operator, value, *to) in enumerate(conditions):
        data |= {
            f"condition-{number}-attribute": str(attribute.pk),
            f"condition-{number}-operator": operator,
            f"condition-{number}-value": value,
            f"condition-{number}-to": to[0] if to else "",
        }
    return data | extra


def test_an_org_admin_makes_a_group_dynamic_and_sees_who_joined(
    client_for, organization, org_admin, admin_group, member, department, grade, people
):
    response = client_for(org_admin).post(
        rule_url("rule", organization, admin_group),
        form((department, "equals", "finance"), (grade, "between", "3", ""), save="1"),
        follow=True,
    )

    page = response.content.decode()
    assert "Saved the rule of Sales North. 1 person joined, 1 person left." in page
    assert "Department is finance" in page and "Grade is at least 3" in page
    assert "Add members</a>" not in page
    assert "Edit rule" in page
    groups_list = client_for(org_admin).get(reverse("groups:list", kwargs={"org_slug": organization.slug}))
    assert groups_list.content.decode().count(">Dynamic</span>") == 1
    names = set(GroupMembership.objects.filter(group=admin_group).values_list("user__memberships__name", flat=True))
    assert names == {"Kavya"}


def test_the_preview_counts_who_would_match_join_and_leave(
    client_for, organization, org_admin, admin_group, member, department, grade, people
):
    response = client_for(org_admin).post(
        rule_url("rule_preview", organization, admin_group), form((department, "contains", "an"))
    )

    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "2 people match</strong>; 2 would join, 1 would leave." in text
    assert not Group.objects.get(pk=admin_group.pk).rule


def test_the_preview_says_what_is_wrong_with_the_rule(client_for, organization, org_admin, admin_group, grade):
    response = client_for(org_admin).post(
        rule_url("rule_preview", organization, admin_group), form((grade, "equals", "plenty"))
    )
    assert "Condition 1: “plenty” is not a number." in response.content.decode()


def test_a_value_that_does_not_fit_is_refused_and_nothing_changes(
    client_for, organization, org_admin, admin_group, member, grade
):
    response = client_for(org_admin).post(
        rule_url("rule", organization, admin_group), form((grade, "between", "9", "2"), save="1")
    )

    assert response.status_code == 200
    assert "Condition 1: the first value of Grade comes after the last one." in response.content.decode()
    assert Group.objects.get(pk=admin_group.pk).rule is None
    assert GroupMembership.objects.filter(group=admin_group, user=member).exists()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DYNAMIC_RULE_SET).exists()


def test_conditions_are_added_and_removed_without_javascript(
    client_for, organization, org_admin, admin_group, department, grade
):
    client = client_for(org_admin)
    added = client.post(rule_url("rule", organization, admin_group), form((department, "equals", "Finance"), add="1"))
    assert added.status_code == 200
    assert added.context["editor"].conditions.total_form_count() == 2
    assert 'value="Finance"' in added.content.decode()

    removed = client.post(
        rule_url("rule", organization, admin_group),
        form((department, "equals", "Finance"), (grade, "equals", "3"), remove="0"),
    )
    assert removed.context["editor"].conditions.total_form_count() == 1
    assert removed.context["editor"].conditions.forms[0]["attribute"].value() == str(grade.pk)
    assert Group.objects.get(pk=admin_group.pk).rule is None


@pytest.mark.parametrize("forged", ["²", "-1", "9", "x"])
def test_a_forged_condition_to_remove_removes_none(client_for, organization, org_admin, admin_group, grade, forged):
    response = client_for(org_admin).post(
        rule_url("rule", organization, admin_group), form((grade, "equals", "3"), remove=forged)
    )
    assert response.status_code == 200
    assert response.context["editor"].conditions.total_form_count() == 1
    assert Group.objects.get(pk=admin_group.pk).rule is None


def test_with_htmx_adding_a_condition_returns_the_editor_alone(client_for, organization, org_admin, admin_group, grade):
    response = client_for(org_admin).post(
        rule_url("rule", organization, admin_group), form((grade, "equals", "3"), add="1"), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.content.decode()
    assert "Condition 2" in response.content.decode()


def test_the_editor_opens_on_the_saved_rule_with_its_preview(
    client_for, organization, org_admin, admin_group, department, people
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)

    page = client_for(org_admin).get(rule_url("rule", organization, admin_group)).content.decode()

    assert 'value="Finance"' in page
    assert "2 people match</strong>; 0 would join, 0 would leave." in " ".join(page.split())


def test_a_broken_rule_says_so_on_the_group_page(client_for, organization, org_admin, admin_group, department):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)
    department.delete()

    page = client_for(org_admin).get(rule_url("detail", organization, admin_group)).content.decode()

    assert "The rule is broken:</strong> The attribute Department was removed." in page


def test_the_group_page_of_a_dynamic_group_offers_no_removal_of_its_members(
    client_for, organization, org_admin, admin_group, group_admin, member, department
):
    OrganizationUserFactory(organization=organization, name="Kavya", attribute_values={department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)

    page = client_for(group_admin).get(rule_url("detail", organization, admin_group)).content.decode()

    assert "Sales North is a dynamic group: its members are the people its rule matches." in page
    assert page.count(">Remove</a>") == 1  # the admin's own row: admins are chosen by hand
    assert "Make admin" in page
    assert "Edit rule" not in page  # a group admin's rule could reach anyone of the organization


def test_adding_members_to_a_dynamic_group_by_hand_is_refused_with_the_reason(
    client_for, organization, org_admin, admin_group, department
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)
    url = reverse("groups:add_members", kwargs={"org_slug": organization.slug, "group_id": admin_group.pk})

    response = client_for(org_admin).post(url, {"phone_numbers": "+91 98123 45678"}, follow=True)

    assert "Sales North is a dynamic group" in response.content.decode()
    assert not GroupMembership.objects.filter(group=admin_group, user__phone_number="+919812345678").exists()


def test_removing_a_member_of_a_dynamic_group_by_hand_is_refused(
    client_for, organization, org_admin, admin_group, department
):
    kavya = OrganizationUserFactory(organization=organization, name="Kavya", attribute_values={department.key: "Fin"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Fin"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)
    url = reverse(
        "groups:remove_member",
        kwargs={"org_slug": organization.slug, "group_id": admin_group.pk, "user_id": kavya.user_id},
    )

    response = client_for(org_admin).post(url, follow=True)

    assert "Sales North is a dynamic group" in response.content.decode()
    assert GroupMembership.objects.filter(group=admin_group, user=kavya.user).exists()


def test_making_it_ordinary_again_asks_first_and_keeps_the_members(
    client_for, organization, org_admin, admin_group, department, people
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)
    client = client_for(org_admin)

    question = client.get(rule_url("clear_rule", organization, admin_group)).content.decode()
    assert "Its rule goes: Department is Finance." in question
    response = client.post(rule_url("clear_rule", organization, admin_group), follow=True)

    assert "Sales North is an ordinary group again" in response.content.decode()
    assert Group.objects.get(pk=admin_group.pk).rule is None
    assert GroupMembership.objects.filter(group=admin_group, role="member").count() == 2


def test_a_group_admin_cannot_open_the_editor(client_for, organization, group_admin, admin_group):
    assert client_for(group_admin).get(rule_url("rule", organization, admin_group)).status_code == 403


def test_another_organizations_group_does_not_exist_for_the_editor(
    client_for, organization, other_organization, other_org_admin, admin_group
):
    GroupMembershipFactory(group=admin_group, user=other_org_admin, role="admin")
    url = reverse("groups:rule", kwargs={"org_slug": other_organization.slug, "group_id": admin_group.pk})
    assert client_for(other_org_admin).get(url).status_code == 404


def test_a_person_in_a_dynamic_group_is_not_said_to_come_from_it(
    client_for, organization, org_admin, admin_group, department
):
    kavya = OrganizationUserFactory(organization=organization, name="Kavya", attribute_values={department.key: "Fin"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Fin"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)
    url = reverse("users:detail", kwargs={"org_slug": organization.slug, "user_id": kavya.user_id})

    response = client_for(org_admin).get(url)

    assert response.context["source"] == "Added directly"
