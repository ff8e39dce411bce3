"""An organization admin manages the Users list in a real browser."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from groups.models import GroupMembership
from users.management.commands.seed_demo import DEMO_PASSWORD
from users.models import OrganizationUser, User

from ..factories import (
    PASSWORD,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OrganizationUserFactory,
    UserFactory,
)
from .pages import log_in, screenshot

MEERA = "+919000000003"  # Meera Member of the demo data, in group Field Staff / North

pytestmark = pytest.mark.browser


def search(page: Page, text: str) -> None:
    """Type into the search box, key by key; htmx replaces the results once typing pauses."""
    box = page.get_by_role("searchbox", name="Search users")
    box.clear()
    box.press_sequentially(text)


def test_org_admin_searches_picks_columns_and_deletes_a_user(page: Page):
    call_command("seed_demo", users=40)
    results = page.locator("#results")

    # "0091 ..." is "+91 90000 00001" as dialled from abroad.
    log_in(page, "0091 90000 00001", DEMO_PASSWORD)
    # Asha administers two organizations, so she picks one first.
    expect(page.get_by_role("heading", name="Choose an organization")).to_be_visible()
    page.get_by_role("link", name="Contoso Health").click()

    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_title("Organization")).to_have_text("Contoso Health")
    expect(results).to_contain_text("1–25 of 43 users")

    # Search: the results change in place and the address follows.
    search(page, "Meera")
    expect(results).to_contain_text("1–1 of 1 user matching “Meera”")
    expect(results.get_by_role("row")).to_have_count(2)  # the heading row and Meera's
    expect(results.get_by_role("cell", name="Meera Member", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=Meera(&|$)"))

    # More > Select Columns: add Role and Groups to the default Date added and Source.
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Select Columns").click()
    expect(page.get_by_role("heading", name="Select columns")).to_be_visible()
    page.get_by_label("Role").check()
    page.get_by_label("Groups").check()
    page.get_by_role("button", name="Save columns").click()

    expect(page.get_by_role("status")).to_contain_text("Columns saved.")
    for heading in ("Name", "Phone number", "Date added", "Source", "Role", "Groups"):
        expect(results.get_by_role("columnheader", name=heading)).to_be_visible()
    # Saving returns to the list as it was, search included.
    expect(page).to_have_url(re.compile(r"[?&]q=Meera(&|$)"))
    expect(results).to_contain_text("1–1 of 1 user matching “Meera”")
    expect(results.get_by_role("cell", name="Member", exact=True)).to_be_visible()  # Role
    expect(results.get_by_role("cell", name="Field Staff / North", exact=True)).to_be_visible()  # Groups
    screenshot(page, "users-page.png")

    # Open Meera by her phone number and delete her.
    results.get_by_role("link", name="+91 90000 00003").click()
    expect(page.get_by_role("heading", name="Meera Member")).to_be_visible()
    page.get_by_role("button", name="Delete").click()

    expect(page.get_by_role("heading", name="Delete Meera Member from Contoso Health?")).to_be_visible()
    expect(page.get_by_text("their membership of the organization, with their role (Member)")).to_be_visible()
    expect(page.get_by_text("their membership of 1 group: North.")).to_be_visible()
    expect(page.get_by_text("Their account and anything they have in other organizations stay as")).to_be_visible()
    page.get_by_role("button", name="Delete user").click()

    expect(page.get_by_role("status")).to_contain_text("Removed Meera Member from Contoso Health.")
    expect(results).to_contain_text("1–25 of 42 users")
    search(page, "Meera")
    expect(results.get_by_role("heading", name="No users match “Meera”")).to_be_visible()

    # Gone from Contoso Health; her account stays.
    assert not OrganizationUser.objects.filter(organization__slug="contoso", user__phone_number=MEERA).exists()
    assert User.objects.filter(phone_number=MEERA, own_name="Meera Member").exists()


def test_group_admin_reads_each_group_by_its_path_in_the_groups_column_and_a_member_has_no_users_list(page: Page):
    call_command("seed_demo", users=40)
    results = page.locator("#results")

    log_in(page, "+91 90000 00002", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Select Columns").click()
    page.get_by_label("Groups").check()
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_role("status")).to_contain_text("Columns saved.")

    search(page, "Ravi")
    expect(results).to_contain_text("1–1 of 1 user matching “Ravi”")
    expect(results.get_by_role("cell", name="Field Staff / North (admin)", exact=True)).to_be_visible()
    search(page, "Meera")
    expect(results).to_contain_text("1–1 of 1 user matching “Meera”")
    expect(results.get_by_role("cell", name="Field Staff / North", exact=True)).to_be_visible()

    # Meera, a member, has no Users list to pick columns on.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "+91 90000 00003", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Organization").get_by_role("link", name="Users")).to_have_count(0)
    page.goto("/o/contoso/users/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()


def test_org_admin_makes_a_member_org_admin_then_revokes_it_and_others_see_no_buttons(page: Page):
    organization = OrganizationFactory(name="Contoso", slug="contoso")
    group = GroupFactory(organization=organization, name="Sales North")
    asha = OrganizationUserFactory(
        organization=organization, name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN, user=UserFactory()
    ).user
    ravi = OrganizationUserFactory(organization=organization, name="Ravi Groupadmin", user=UserFactory()).user
    meera = OrganizationUserFactory(organization=organization, name="Meera Member", user=UserFactory()).user
    GroupMembershipFactory(group=group, user=ravi, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=group, user=meera)

    log_in(page, asha.phone_number, PASSWORD)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.locator("#results").get_by_role("link", name=meera.phone_display).click()
    expect(page.get_by_role("heading", name="Meera Member")).to_be_visible()

    page.get_by_role("button", name="Make organization admin").click()
    expect(page.get_by_role("status")).to_contain_text("Meera Member is now an organization admin of Contoso.")
    expect(page.get_by_text("Organization admin", exact=True)).to_be_visible()  # her role
    assert OrganizationUser.objects.get(organization=organization, user=meera).is_org_admin

    # Revoking asks first, and changes nothing until confirmed.
    page.get_by_role("button", name="Remove organization admin").click()
    expect(page.get_by_role("heading", name="Remove Meera Member as organization admin of Contoso?")).to_be_visible()
    expect(page.get_by_text("stays in Contoso as a member")).to_be_visible()
    screenshot(page, "revoke-org-admin.png")
    assert OrganizationUser.objects.get(organization=organization, user=meera).is_org_admin
    page.get_by_role("button", name="Remove organization admin").click()
    expect(page.get_by_role("status")).to_contain_text("Meera Member is no longer an organization admin of Contoso.")
    expect(page.get_by_role("button", name="Make organization admin")).to_be_visible()
    assert not OrganizationUser.objects.get(organization=organization, user=meera).is_org_admin

    # Ravi administers Meera's group: he sees her page, without the buttons.
    page.get_by_role("button", name="Log out").click()
    log_in(page, ravi.phone_number, PASSWORD)
    page.goto(f"/o/contoso/users/{meera.pk}/")
    expect(page.get_by_role("heading", name="Meera Member")).to_be_visible()
    expect(page.get_by_role("button", name="Make organization admin")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove organization admin")).to_have_count(0)

    # Meera, a member, reaches no one's page, let alone the buttons.
    page.get_by_role("button", name="Log out").click()
    log_in(page, meera.phone_number, PASSWORD)
    page.goto(f"/o/contoso/users/{ravi.pk}/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
    expect(page.get_by_role("button", name="Make organization admin")).to_have_count(0)
    assert not OrganizationUser.objects.get(organization=organization, user=ravi).is_org_admin


def test_the_delete_confirmation_says_in_advance_why_the_only_admin_of_a_group_cannot_go(page: Page):
    organization = OrganizationFactory(name="Contoso", slug="contoso")
    asha = OrganizationUserFactory(
        organization=organization, name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN, user=UserFactory()
    ).user
    ravi = OrganizationUserFactory(organization=organization, name="Ravi Groupadmin", user=UserFactory()).user
    GroupMembershipFactory(group=GroupFactory(organization=organization, name="Sales North"), user=ravi, role="admin")

    log_in(page, asha.phone_number, PASSWORD)
    page.locator("#results").get_by_role("link", name=ravi.phone_display).click()
    page.get_by_role("button", name="Delete").click()

    expect(page.get_by_role("heading", name="Delete Ravi Groupadmin from Contoso?")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(
        "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin. "
        "Make someone else an admin there first."
    )
    expect(page.get_by_role("button", name="Delete user")).to_have_count(0)
    page.get_by_role("button", name="Back to Ravi Groupadmin").click()
    expect(page.get_by_role("heading", name="Ravi Groupadmin")).to_be_visible()
    assert OrganizationUser.objects.filter(organization=organization, user=ravi).exists()


def test_adding_a_list_keeps_in_the_box_only_the_numbers_not_added(page: Page):
    organization = OrganizationFactory(name="Contoso", slug="contoso")
    asha = OrganizationUserFactory(
        organization=organization, name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN, user=UserFactory()
    ).user
    OrganizationUserFactory(organization=organization, name="Meera Member", user=UserFactory(phone_number=MEERA))

    log_in(page, asha.phone_number, PASSWORD)
    page.get_by_role("button", name="Add Users").click()
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("Phone numbers").fill("+91 98123 45678, +91 90000 00003, 98123 45678, hello")
    page.get_by_role("button", name="Add users").click()

    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("Added 1 user.")
    expect(result).to_contain_text("+91 90000 00003 is already in Contoso.")
    expect(result).to_contain_text("+91 98123 45678 is listed more than once.")
    expect(page.get_by_label("Phone numbers")).to_have_value("+91 90000 00003, hello")
    assert OrganizationUser.objects.filter(organization=organization, user__phone_number="+919812345678").exists()
