"""An organization admin finds the people who joined without a mandatory value."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, AttributeDefinitionFactory, OrganizationFactory, OrganizationUserFactory
from users.models import OrganizationUser

from .pages import log_in, screenshot

pytestmark = pytest.mark.browser


def test_org_admin_sees_how_many_miss_a_mandatory_value_lists_them_and_sees_the_mark(page: Page):
    org = OrganizationFactory(name="Fabrikam", slug="fabrikam")
    employee_id = AttributeDefinitionFactory(organization=org, name="Employee ID", mandatory=True)
    OrganizationUserFactory(
        organization=org,
        user__phone_number="+919000000001",
        name="Asha Admin",
        role=OrganizationUser.Role.ORG_ADMIN,
        attribute_values={employee_id.key: "E0"},
    )
    OrganizationUserFactory(organization=org, name="Cora Complete", attribute_values={employee_id.key: "E1"})
    OrganizationUserFactory(organization=org, name="Gus Group", added_directly=False)
    results = page.locator("#results")

    log_in(page, "+91 90000 00001", PASSWORD)
    expect(results).to_contain_text("1–3 of 3 users")
    notice = page.locator("#missing-mandatory")
    expect(notice).to_contain_text("1 person is missing mandatory values")

    page.get_by_label("Missing mandatory values").check()
    expect(results).to_contain_text("1–1 of 1 user")
    expect(results.get_by_role("cell", name="Gus Group", exact=True)).to_be_visible()
    screenshot(page, "users-missing-mandatory.png")

    results.get_by_role("row", name="Gus Group").get_by_role("link").first.click()
    employee = page.locator("dl.details dt", has_text="Employee ID").locator("xpath=following-sibling::dd[1]")
    expect(employee).to_contain_text("Missing")
