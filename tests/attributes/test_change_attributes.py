import pytest
from django.urls import reverse

from attributes.models import AttributeDefinition
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory


def change_url(organization):
    return reverse("attributes:change", kwargs={"org_slug": organization.slug})


def formset_data(rows, *, extra=0):
    """POST data of the Change Attributes page for ``rows`` (dicts of the row fields)."""
    data = {
        "attributes-TOTAL_FORMS": str(len(rows) + extra),
        "attributes-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
    }
    # A blank extra row, as the browser sends it: only its selects have values.
    rows = list(rows) + [{"value_type": "string"}] * extra
    for index, row in enumerate(rows):
        for field, value in row.items():
            if value is True:
                value = "on"
            if value is not False and value is not None:
                data[f"attributes-{index}-{field}"] = str(value)
    return data


def existing(definition, **changes):
    row = {
        "id": definition.pk,
        "name": definition.name,
        "value_type": definition.value_type,
        "mandatory": definition.mandatory,
        "ORDER": definition.position + 1,
    }
    return {**row, **changes}


def names(organization):
    return list(AttributeDefinition.objects.filter(organization=organization).values_list("name", flat=True))


def test_admin_adds_several_attributes_at_once_custom_and_suggested(client_for, organization, org_admin):
    rows = [
        # The browser always sends the type select; a suggestion's own type wins unless changed.
        {"suggestion": "employee_id", "value_type": "string", "mandatory": True, "ORDER": 1},
        {"suggestion": "date_of_joining", "value_type": "string", "ORDER": 2},
        {"name": "Shift  starts", "value_type": "datetime", "ORDER": 3},
        {"name": "Has a vehicle", "value_type": "boolean", "ORDER": 4},
    ]
    response = client_for(org_admin).post(change_url(organization), formset_data(rows, extra=1), follow=True)

    assert "Attributes saved." in response.content.decode()
    saved = list(
        AttributeDefinition.objects.filter(organization=organization).values_list(
            "name", "value_type", "mandatory", "catalogue_key"
        )
    )
    assert saved == [
        ("Employee ID", "string", True, "employee_id"),
        ("Date of joining", "datetime", False, "date_of_joining"),
        ("Shift starts", "datetime", False, ""),
        ("Has a vehicle", "boolean", False, ""),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"name": "Team"}, {"name": "team "}], "“team” is used twice; each attribute needs its own name."),
        ([{"name": "Phone Number"}], "“Phone Number” is a column of every import file; choose another name."),
        ([{"name": "name"}], "“name” is a column of every import file; choose another name."),
        ([{"name": "", "mandatory": True}], "Enter a name, or pick a suggested attribute."),
    ],
)
def test_bad_names_are_shown_beside_their_rows_and_nothing_is_saved(client_for, organization, org_admin, rows, message):
    keep = AttributeDefinitionFactory(organization=organization, name="Department")
    rows = [existing(keep, name="Division")] + [{"value_type": "string", **row} for row in rows]
    response = client_for(org_admin).post(change_url(organization), formset_data(rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert names(organization) == ["Department"]


def test_reordering_and_renaming_apply_together(client_for, organization, org_admin):
    first = AttributeDefinitionFactory(organization=organization, name="Alpha", position=0)
    second = AttributeDefinitionFactory(organization=organization, name="Beta", position=1)
    # Swapping names in one save must not trip over uniqueness half-way.
    rows = [existing(first, name="Beta", ORDER=2), existing(second, name="Alpha", ORDER=1)]
    client_for(org_admin).post(change_url(organization), formset_data(rows))
    assert names(organization) == ["Alpha", "Beta"]
    assert AttributeDefinition.objects.get(name="Alpha").pk == second.pk


def test_removing_an_attribute_with_values_asks_first_and_says_how_many_hold_one(client_for, organization, org_admin):
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    for value in ["Sales", "Ops"]:
        OrganizationUserFactory(organization=organization, attribute_values={department.key: value})
    client = client_for(org_admin)
    data = formset_data([existing(department, DELETE=True)])

    response = client.post(change_url(organization), data)
    assert "Department: 2 users hold a value" in response.content.decode()
    assert names(organization) == ["Department"]

    response = client.post(change_url(organization), {**data, "confirm_removal": "1"}, follow=True)
    assert "Attributes saved." in response.content.decode()
    assert names(organization) == []
    assert not OrganizationUser.objects.filter(attribute_values__has_key=department.key).exists()


def test_removing_an_attribute_nobody_holds_needs_no_confirmation(client_for, organization, org_admin):
    unused = AttributeDefinitionFactory(organization=organization)
    client_for(org_admin).post(change_url(organization), formset_data([existing(unused, DELETE=True)]))
    assert names(organization) == []


def test_changing_a_type_converts_every_value(client_for, organization, org_admin):
    level = AttributeDefinitionFactory(organization=organization, name="Level", value_type="string")
    holders = [
        OrganizationUserFactory(organization=organization, attribute_values={level.key: text})
        for text in ["3", "4,5", "1,200"]
    ]
    client_for(org_admin).post(change_url(organization), formset_data([existing(level, value_type="number")]))
    assert AttributeDefinition.objects.get(pk=level.pk).value_type == "number"
    assert [OrganizationUser.objects.get(pk=h.pk).attribute_values[level.key] for h in holders] == [3, 4.5, 1200]


def test_a_type_change_that_would_lose_values_is_refused_and_nothing_changes(client_for, organization, org_admin):
    level = AttributeDefinitionFactory(organization=organization, name="Level", value_type="string")
    renamed = AttributeDefinitionFactory(organization=organization, name="Team")
    OrganizationUserFactory(organization=organization, attribute_values={level.key: "3"})
    OrganizationUserFactory(organization=organization, attribute_values={level.key: "senior"})
    rows = [existing(level, value_type="number"), existing(renamed, name="Squad")]

    response = client_for(org_admin).post(change_url(organization), formset_data(rows))

    assert (
        "Cannot make “Level” a Number attribute: 1 user holds values that do not fit, such as “senior”"
        in response.content.decode()
    )
    assert names(organization) == ["Level", "Team"]
    holders = OrganizationUser.objects.filter(attribute_values__has_key=level.key)
    assert sorted(holder.attribute_values[level.key] for holder in holders) == ["3", "senior"]


@pytest.mark.parametrize("who", ["group_admin", "member"])
def test_only_org_admins_change_attributes(request, client_for, organization, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(change_url(organization)).status_code == 403
    response = client.post(change_url(organization), formset_data([{"name": "Sneaky", "value_type": "string"}]))
    assert response.status_code == 403
    assert names(organization) == []


def test_another_organizations_admin_cannot_see_or_change_them(client_for, organization, other_org_admin):
    AttributeDefinitionFactory(organization=organization, name="Secret")
    client = client_for(other_org_admin)
    assert client.get(change_url(organization)).status_code == 404
    client.post(change_url(organization), formset_data([{"name": "Sneaky", "value_type": "string"}]))
    assert names(organization) == ["Secret"]


def test_the_page_lists_the_attributes_and_offers_the_suggestions(client_for, organization, org_admin):
    AttributeDefinitionFactory(organization=organization, name="Department")
    content = client_for(org_admin).get(change_url(organization)).content.decode()
    assert 'value="Department"' in content
    for suggestion in ["Employee ID", "Manager", "Job title", "Email", "Office location", "Date of joining"]:
        assert suggestion in content


def test_a_save_on_top_of_another_admins_changes_is_refused_and_shows_the_attributes_as_they_are(
    client_for, organization, org_admin
):
    department = AttributeDefinitionFactory(organization=organization, name="Department", position=0)
    opened = client_for(org_admin).get(change_url(organization))
    seen_version = opened.context["definitions_version"]
    # Another admin renames it meanwhile.
    AttributeDefinition.objects.filter(pk=department.pk).update(name="Team")

    data = formset_data([existing(department, name="Division")]) | {"definitions_version": seen_version}
    response = client_for(org_admin).post(change_url(organization), data)

    content = response.content.decode()
    assert "Another admin changed the attributes since you opened this page, so nothing was saved." in content
    assert 'value="Team"' in content and 'value="Division"' not in content
    assert AttributeDefinition.objects.get(pk=department.pk).name == "Team"
    # The page now carries the current version: saving from it goes through.
    again = formset_data([existing(department, name="Division")])
    again["definitions_version"] = response.context["definitions_version"]
    client_for(org_admin).post(change_url(organization), again)
    assert AttributeDefinition.objects.get(pk=department.pk).name == "Division"
