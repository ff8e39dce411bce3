"""An organization admin edits a person: this organization's name for them and their values, in one form."""

import pytest
from playwright.sync_api import Page, expect

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

from .pages import log_in

pytestmark = pytest.mark.browser


def detail(page: Page, term: str):
    return page.locator("dl.details dt", has_text=term).locator("xpath=following-sibling::dd[1]")


@pytest.fixture
def fabrikam():
    org = OrganizationFactory(name="Fabrikam", slug="fabrikam")
    department = AttributeDefinitionFactory(organization=org, name="Department")
    OrganizationUserFactory(
        organization=org, user__phone_number="+919000000001", name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN
    )
    ravi = OrganizationUserFactory(organization=org, user__phone_number="+919811100001", name="Ravi Rao")
    group = GroupFactory(organization=org, name="Field Staff")
    GroupMembershipFactory(group=group, user=ravi.user)
    gita = OrganizationUserFactory(organization=org, user__phone_number="+919000000002", name="Gita Groupadmin")
    GroupMembershipFactory(group=group, user=gita.user, role=GroupMembership.Role.ADMIN)
    # Another organization's name for Ravi stays its own.
    OrganizationUserFactory(organization=OrganizationFactory(name="Contoso"), user=ravi.user, name="R. Rao")
    return org, ravi, department


def test_org_admin_renames_a_person_and_sets_a_value_in_one_form(page: Page, fabrikam):
    org, ravi, department = fabrikam
    log_in(page, "+91 90000 00001", PASSWORD)
    page.locator("#results").get_by_role("link", name="+91 98111 00001").click()
    page.get_by_role("button", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit Ravi Rao")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Ravi Kumar")
    page.get_by_label("Department").fill("Sales")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="Ravi Kumar")).to_be_visible()
    expect(detail(page, "Name")).to_have_text("Ravi Kumar")
    expect(detail(page, "Department")).to_have_text("Sales")
    names = dict(OrganizationUser.objects.filter(user=ravi.user).values_list("organization__name", "name"))
    assert names == {"Fabrikam": "Ravi Kumar", "Contoso": "R. Rao"}


def test_a_group_admin_sees_a_member_of_their_group_but_cannot_edit_them(page: Page, fabrikam):
    log_in(page, "+91 90000 00002", PASSWORD)
    page.goto("/o/fabrikam/users/")
    page.locator("#results").get_by_role("link", name="+91 98111 00001").click()
    expect(page.get_by_role("heading", name="Ravi Rao")).to_be_visible()
    expect(page.get_by_role("button", name="Edit", exact=True)).to_have_count(0)
