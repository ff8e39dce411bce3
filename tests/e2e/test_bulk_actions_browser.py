"""Bulk actions on the Users list in a real browser: ticking people, selecting all that match, confirming."""

import re

import pytest
from playwright.sync_api import Page, expect

from bulk_actions.models import BulkJob
from groups.models import GroupMembership
from users.models import OrganizationUser

from ..factories import PASSWORD, GroupFactory, GroupMembershipFactory, OrganizationUserFactory
from .pages import log_in, screenshot

pytestmark = pytest.mark.browser

DRIVERS = 30  # more than a page of the list (25): "Select all matching" reaches past it


@pytest.fixture
def contoso(organization, org_admin, group_admin, member, admin_group):
    """Contoso's admin Asha, Ravi who admins Sales North (with Meera in it), two nurses and 30 drivers."""
    field_team = GroupFactory(organization=organization, name="Field Team")
    GroupMembershipFactory(group=field_team, user=org_admin, role=GroupMembership.Role.ADMIN)
    nurses = [
        OrganizationUserFactory(organization=organization, name=name, user__phone_number=phone).user
        for name, phone in (("Nurse Anita", "+919700000201"), ("Nurse Bina", "+919700000202"))
    ]
    GroupMembershipFactory(group=field_team, user=nurses[0])
    for n in range(DRIVERS):
        OrganizationUserFactory(organization=organization, name=f"Driver {n:02d}")
    return {"nurses": nurses, "field_team": field_team}


def search(page: Page, text: str) -> None:
    box = page.get_by_role("searchbox", name="Search users")
    box.clear()
    box.press_sequentially(text)


def test_org_admin_deletes_two_ticked_people_after_the_confirmation(page: Page, organization, org_admin, contoso):
    results = page.locator("#results")
    log_in(page, org_admin.phone_number, PASSWORD)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(results).to_contain_text(f"1–25 of {DRIVERS + 5} users")
    search(page, "Nurse")
    expect(results).to_contain_text("1–2 of 2 users matching “Nurse”")

    results.get_by_role("checkbox", name="Select Nurse Anita").check()
    results.get_by_role("checkbox", name="Select Nurse Bina").check()
    screenshot(page, "bulk-users-list.png")
    results.get_by_role("button", name="Delete selected").click()

    expect(page.get_by_role("heading", name="Delete 2 people from Contoso?")).to_be_visible()
    expect(page.get_by_text("Chosen: 2 people, ticked one by one.")).to_be_visible()
    expect(page.get_by_role("link", name="← Users")).to_have_attribute("href", re.compile(r"\?q=Nurse$"))
    expect(page.get_by_text("Each of them leaves Contoso")).to_contain_text("(1 of them is in a group)")
    screenshot(page, "bulk-delete-confirmation.png")
    # Nothing happens before the confirmation.
    assert OrganizationUser.objects.filter(organization=organization, user__in=contoso["nurses"]).count() == 2
    page.get_by_role("button", name="Delete 2 people").click()

    expect(page.get_by_role("heading", name="Bulk action history")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Removed 2 people from Contoso.")
    row = page.get_by_role("row", name=re.compile("Delete from the organization"))
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("Asha Admin")
    screenshot(page, "bulk-history.png")
    assert not OrganizationUser.objects.filter(organization=organization, user__in=contoso["nurses"]).exists()

    page.get_by_role("link", name="← Users").click()
    search(page, "Nurse")
    expect(results.get_by_role("heading", name="No users match “Nurse”")).to_be_visible()


def test_org_admin_adds_everyone_matching_a_search_to_a_group_across_pages(page: Page, org_admin, contoso):
    results = page.locator("#results")
    log_in(page, org_admin.phone_number, PASSWORD)
    search(page, "Driver")
    expect(results).to_contain_text(f"1–25 of {DRIVERS} users matching “Driver”")

    results.get_by_label(f"Select all {DRIVERS} matching").check()
    results.get_by_role("button", name="Add to group").click()

    expect(page.get_by_role("heading", name=f"Add {DRIVERS} people to a group")).to_be_visible()
    expect(page.get_by_text(f"Chosen: {DRIVERS} people (Users matching “Driver”).")).to_be_visible()
    page.get_by_label("Group").select_option(label="Field Team")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Add {DRIVERS} people to Field Team?")).to_be_visible()
    page.get_by_role("button", name=f"Add {DRIVERS} people to Field Team").click()

    expect(page.get_by_role("status")).to_contain_text(f"Added {DRIVERS} people to Field Team.")
    field_team = contoso["field_team"]
    assert field_team.memberships.filter(user__memberships__name__startswith="Driver").count() == DRIVERS


def test_group_admin_removes_a_member_of_their_group_and_cannot_delete_or_export(
    page: Page, group_admin, member, contoso
):
    results = page.locator("#results")
    log_in(page, group_admin.phone_number, PASSWORD)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(results.get_by_role("button", name="Remove from group")).to_be_visible()
    expect(results.get_by_role("button", name="Delete selected")).to_have_count(0)
    expect(results.get_by_role("button", name="Export selected")).to_have_count(0)

    results.get_by_role("checkbox", name="Select Meera Member").check()
    results.get_by_role("button", name="Remove from group").click()
    # Only the groups Ravi admins are offered.
    expect(page.get_by_label("Group").locator("option")).to_have_text(["Choose a group", "Sales North"])
    page.get_by_label("Group").select_option(label="Sales North")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Remove 1 person from Sales North?")).to_be_visible()
    expect(page.get_by_text("Everyone stays in Contoso")).to_be_visible()
    page.get_by_role("button", name="Remove 1 person from Sales North").click()

    expect(page.get_by_role("status")).to_contain_text("Removed 1 person from Sales North.")
    assert not GroupMembership.objects.filter(user=member, group__name="Sales North").exists()
    assert list(BulkJob.objects.values_list("requested_by", flat=True)) == [group_admin.pk]


def test_member_is_refused_the_bulk_pages(page: Page, organization, member, contoso):
    log_in(page, member.phone_number, PASSWORD)
    nurse = contoso["nurses"][0]
    page.goto(f"/o/{organization.slug}/users/bulk/delete/?user={nurse.pk}")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
    page.goto(f"/o/{organization.slug}/users/bulk/add-to-group/?user={nurse.pk}")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
    assert OrganizationUser.objects.filter(organization=organization, user=nurse).exists()
