"""An organization admin manages the Users list in a real browser."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from users.management.commands.seed_demo import DEMO_PASSWORD
from users.models import OrganizationUser, User

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
    expect(page.get_by_text("their membership of 1 group: Field Staff / North.")).to_be_visible()
    expect(page.get_by_text("Their account and anything they have in other organizations stay as")).to_be_visible()
    page.get_by_role("button", name="Delete user").click()

    expect(page.get_by_role("status")).to_contain_text("Removed Meera Member from Contoso Health.")
    expect(results).to_contain_text("1–25 of 42 users")
    search(page, "Meera")
    expect(results.get_by_role("heading", name="No users match “Meera”")).to_be_visible()

    # Gone from Contoso Health; her account stays.
    assert not OrganizationUser.objects.filter(organization__slug="contoso", user__phone_number=MEERA).exists()
    assert User.objects.filter(phone_number=MEERA, own_name="Meera Member").exists()
