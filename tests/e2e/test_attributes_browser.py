"""An organization admin adds attributes, fills them in, shows them as columns and filters by them."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from attributes.models import AttributeDefinition
from groups.models import GroupMembership
from tests.factories import (
    PASSWORD,
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OrganizationUserFactory,
)
from users.models import OrganizationUser

from .pages import log_in, screenshot

pytestmark = pytest.mark.browser


def detail(page: Page, term: str) -> Locator:
    """The value shown for ``term`` in a <dl class="details"> of the page."""
    return page.locator("dl.details dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def test_org_admin_adds_attributes_fills_them_in_shows_and_filters_by_them(page: Page):
    org = OrganizationFactory(name="Fabrikam", slug="fabrikam")
    OrganizationUserFactory(
        organization=org,
        user__phone_number="+919000000001",
        name="Asha Admin",
        role=OrganizationUser.Role.ORG_ADMIN,
    )
    department = AttributeDefinitionFactory(organization=org, name="Department", position=0)
    ravi = OrganizationUserFactory(
        organization=org,
        user__phone_number="+919811100001",
        name="Ravi Rao",
        attribute_values={department.key: "Sales"},
    )
    tom = OrganizationUserFactory(
        organization=org,
        user__phone_number="+919811100002",
        name="Tom Thomas",
        attribute_values={department.key: "Support"},
    )
    OrganizationUserFactory(organization=org, user__phone_number="+919811100003", name="Uma Unset")
    results = page.locator("#results")

    # Asha administers only Fabrikam, so logging in lands on its Users list.
    log_in(page, "+91 90000 00001", PASSWORD)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(results).to_contain_text("1–4 of 4 users")

    # More > Change Attributes: Department is there; add a suggested and a custom attribute.
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Change Attributes").click()
    expect(page.get_by_role("heading", name="Change attributes")).to_be_visible()
    rows = page.locator("#attribute-rows > tr")
    expect(rows.first.locator("input[name$='-name']")).to_have_value("Department")
    before = rows.count()
    # attributes.js has run once it has numbered the blank rows the server sent.
    expect(rows.last.locator("input[name$='-ORDER']")).to_have_value(str(before))

    page.get_by_role("button", name="+ Add attribute").click()
    expect(rows).to_have_count(before + 1)
    suggested = rows.last
    suggested.locator("select[name$='-suggestion']").select_option(label="Job title")
    # Picking a suggestion fills in its name and type.
    expect(suggested.get_by_placeholder("Name")).to_have_value("Job title")
    expect(suggested.locator("select[name$='-value_type']")).to_have_value("string")

    page.get_by_role("button", name="+ Add attribute").click()
    expect(rows).to_have_count(before + 2)
    custom = rows.last
    custom.get_by_placeholder("Name").fill("Shoe size")
    custom.locator("select[name$='-value_type']").select_option(label="Number")
    screenshot(page, "attributes-change.png")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Attributes saved.")
    names = page.locator("#attribute-rows input[name$='-name']")
    expect(names.nth(0)).to_have_value("Department")
    expect(names.nth(1)).to_have_value("Job title")
    expect(names.nth(2)).to_have_value("Shoe size")
    shoe_size = AttributeDefinition.objects.get(organization=org, name="Shoe size")
    # Someone else already gave Tom a shoe size, below the filter's bound further down.
    tom.attribute_values[shoe_size.key] = 39
    tom.save(update_fields=["attribute_values"])

    # Open Ravi by his phone number and fill in his attributes.
    page.get_by_role("link", name="← Users").click()
    results.get_by_role("link", name="+91 98111 00001").click()
    expect(page.get_by_role("heading", name="Ravi Rao")).to_be_visible()
    expect(detail(page, "Shoe size")).to_have_text("—")
    page.get_by_role("button", name="Edit", exact=True).click()  # a link styled as a button
    expect(page.get_by_role("heading", name="Edit Ravi Rao")).to_be_visible()
    expect(page.get_by_label("Department")).to_have_value("Sales")

    # A word is not a number: the error shows beside the field and nothing is saved.
    page.get_by_label("Shoe size").fill("big")
    page.get_by_label("Job title").fill("Field engineer")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.get_by_role("alert").filter(has_text="is not a number")
    expect(error).to_have_text("“big” is not a number.")
    expect(page.get_by_label("Shoe size")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Job title")).to_have_value("Field engineer")  # kept for the next try
    screenshot(page, "attributes-edit-values-error.png")
    ravi.refresh_from_db()
    assert shoe_size.key not in ravi.attribute_values

    # A decimal comma reads as people mean it.
    page.get_by_label("Shoe size").fill("42,5")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved Ravi Rao")
    expect(page.get_by_role("heading", name="Ravi Rao")).to_be_visible()
    expect(detail(page, "Department")).to_have_text("Sales")
    expect(detail(page, "Job title")).to_have_text("Field engineer")
    expect(detail(page, "Shoe size")).to_have_text("42.5")
    screenshot(page, "attributes-user-detail.png")

    # More > Select Columns: show the two new attributes.
    page.get_by_role("link", name="← Users").click()
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Select Columns").click()
    expect(page.get_by_role("heading", name="Select columns")).to_be_visible()
    page.get_by_label("Job title").check()
    page.get_by_label("Shoe size").check()
    page.get_by_role("button", name="Save columns").click()

    expect(page.get_by_role("status")).to_contain_text("Columns saved.")
    for heading in ("Name", "Phone number", "Job title", "Shoe size"):
        expect(results.get_by_role("columnheader", name=heading)).to_be_visible()
    ravis_row = results.get_by_role("row").filter(has_text="Ravi Rao")
    expect(ravis_row.get_by_role("cell", name="Field engineer", exact=True)).to_be_visible()
    expect(ravis_row.get_by_role("cell", name="42.5", exact=True)).to_be_visible()
    toms_row = results.get_by_role("row").filter(has_text="Tom Thomas")
    expect(toms_row.get_by_role("cell", name="39", exact=True)).to_be_visible()

    # Filter by attribute: shoe size at least 40 leaves Ravi alone.
    page.get_by_text("Filter by attribute").click()
    shoe_filter = page.get_by_role("group", name="Shoe size")
    shoe_filter.get_by_label("Shoe size min").fill("40")
    screenshot(page, "users-filter-panel.png")
    page.get_by_role("button", name="Apply filters").click()

    expect(results).to_contain_text("1–1 of 1 user, filtered by Shoe size at least “40”")
    expect(results.get_by_role("row")).to_have_count(2)  # the heading row and Ravi's
    expect(ravis_row).to_be_visible()
    expect(toms_row).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"[?&]a{shoe_size.pk}_min=40(&|$)"))
    screenshot(page, "users-filtered.png")
    # The address keeps the filter: reloading shows the same list, the panel open and filled in.
    page.reload()
    expect(page.get_by_text("Filter by attribute (1 active)")).to_be_visible()
    expect(shoe_filter.get_by_label("Shoe size min")).to_have_value("40")
    expect(results).to_contain_text("1–1 of 1 user, filtered by Shoe size at least “40”")

    # The definitions and Ravi's canonical values, keyed by AttributeDefinition.key.
    definitions = {d.name: d for d in AttributeDefinition.objects.filter(organization=org)}
    assert [(d.name, d.value_type) for d in AttributeDefinition.objects.filter(organization=org)] == [
        ("Department", "string"),
        ("Job title", "string"),
        ("Shoe size", "number"),
    ]
    assert definitions["Job title"].catalogue_key == "job_title"
    assert definitions["Shoe size"].catalogue_key == ""
    ravi.refresh_from_db()
    assert ravi.attribute_values == {
        department.key: "Sales",
        definitions["Job title"].key: "Field engineer",
        shoe_size.key: 42.5,
    }


# Every form control a person can reach, and the name assistive technology reads for it (axe-core's rule
# "label": a <label>, aria-label or aria-labelledby). axe-core itself is not vendored here.
UNLABELLED_FIELDS = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter((field) => field.type !== "hidden")
  .filter((field) => !(field.labels && [...field.labels].some((label) => label.textContent.trim()))
    && !(field.getAttribute("aria-label") || "").trim()
    && !(field.getAttribute("aria-labelledby") || "").trim())
  .map((field) => field.name)
"""


def test_every_field_of_change_attributes_has_an_accessible_label(page: Page):
    org = OrganizationFactory(name="Fabrikam", slug="fabrikam")
    OrganizationUserFactory(
        organization=org, user__phone_number="+919000000001", name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN
    )
    for position, name in enumerate(["Department", "Employee ID", "Joined", "Grade", "Location"]):
        AttributeDefinitionFactory(organization=org, name=name, position=position)

    log_in(page, "+91 90000 00001", PASSWORD)
    page.goto("/o/fabrikam/attributes/")
    expect(page.get_by_role("heading", name="Change attributes")).to_be_visible()
    page.get_by_role("button", name="+ Add attribute").click()  # a row from the page's template, too
    expect(page.locator("#attribute-rows > tr")).to_have_count(8)

    assert page.evaluate(UNLABELLED_FIELDS) == []
    # Each row's fields are found by the names people hear.
    first = page.locator("#attribute-rows > tr").first
    expect(first.get_by_label("Order")).to_have_value("1")
    expect(first.get_by_label("Name")).to_have_value("Department")
    expect(first.get_by_label("Type")).to_have_value("string")
    expect(first.get_by_label("Mandatory")).not_to_be_checked()
    expect(first.get_by_label("Remove")).not_to_be_checked()


def test_a_group_admin_is_offered_no_change_attributes_and_refused_the_page(page: Page):
    org = OrganizationFactory(name="Fabrikam", slug="fabrikam")
    ravi = OrganizationUserFactory(organization=org, user__phone_number="+919000000002", name="Ravi Groupadmin").user
    GroupMembershipFactory(
        group=GroupFactory(organization=org, name="Field Team"), user=ravi, role=GroupMembership.Role.ADMIN
    )
    log_in(page, "+91 90000 00002", PASSWORD)
    expect(page.get_by_role("heading", name="Groups")).to_be_visible()
    page.goto("/o/fabrikam/users/")
    page.get_by_role("button", name="More").click()
    expect(page.get_by_role("link", name="Change Attributes")).to_have_count(0)
    assert page.goto("/o/fabrikam/attributes/").status == 403
