"""An organization admin pages through a long, searched Users list, forward and back, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from users.models import OrganizationUser

from ..factories import PASSWORD, OrganizationFactory, OrganizationUserFactory, UserFactory
from .pages import log_in

pytestmark = pytest.mark.browser


def test_paging_a_searched_list_forward_and_back_keeps_the_search_and_its_place(page: Page, settings):
    settings.USERS_COUNT_CAP = 60
    organization = OrganizationFactory(name="Contoso", slug="contoso")
    admin = OrganizationUserFactory(
        organization=organization, role=OrganizationUser.Role.ORG_ADMIN, name="Asha Admin", user=UserFactory()
    ).user
    # Seventy drivers, ten of them namesakes at the border between the first two pages.
    names = [f"Driver {n:02d}" for n in range(20)] + ["Driver 20"] * 10 + [f"Driver {n:02d}" for n in range(30, 70)]
    for name in names:
        OrganizationUserFactory(organization=organization, name=name)
    OrganizationUserFactory(organization=organization, name="Zoe Office")
    results = page.locator("#results")
    pages = page.get_by_role("navigation", name="Pages")

    log_in(page, admin.phone_number, PASSWORD)
    page.goto("/o/contoso/users/?q=driver")
    expect(results).to_contain_text("1–25 of more than 60 users matching “driver”")
    expect(pages).to_contain_text("Showing 1–25 of more than 60")
    first_page = results.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert first_page[:3] == ["Driver 00", "Driver 01", "Driver 02"] and first_page[-5:] == ["Driver 20"] * 5

    pages.get_by_role("link", name="Next →").click()
    expect(pages).to_contain_text("Showing 26–50 of more than 60")
    expect(page).to_have_url(re.compile(r"[?&]cursor=[^&]+"))
    expect(page).to_have_url(re.compile(r"[?&]q=driver(&|$)"))
    second_page = results.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert second_page[:5] == ["Driver 20"] * 5 and second_page[5] == "Driver 30"
    expect(results).not_to_contain_text("Zoe Office")

    pages.get_by_role("link", name="Next →").click()
    expect(pages).to_contain_text("Showing 51–70 of more than 60")
    expect(pages.get_by_text("Next →")).not_to_have_attribute("href", re.compile("."))
    assert results.locator("tbody tr td:nth-child(2)").all_inner_texts()[-1] == "Driver 69"

    pages.get_by_role("link", name="← Previous").click()
    expect(pages).to_contain_text("Showing 26–50 of more than 60")
    assert results.locator("tbody tr td:nth-child(2)").all_inner_texts() == second_page

    pages.get_by_role("link", name="« First").click()
    expect(pages).to_contain_text("Showing 1–25 of more than 60")
    assert results.locator("tbody tr td:nth-child(2)").all_inner_texts() == first_page
    expect(page).not_to_have_url(re.compile("cursor="))

    # The browser's own Back returns to the bookmarkable page it left.
    page.go_back()
    expect(pages).to_contain_text("Showing 26–50 of more than 60")
