"""An organization admin reads, filters and downloads the Audit log in a real browser."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from users.management.commands.seed_demo import DEMO_PASSWORD

from .pages import log_in, screenshot

pytestmark = pytest.mark.browser


def test_org_admin_filters_the_log_and_downloads_what_it_shows(page: Page, tmp_path):
    call_command("seed_demo", users=40)
    log_in(page, "+91 90000 00001", DEMO_PASSWORD)
    page.get_by_role("link", name="Contoso Health").click()

    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator(".list-summary")).to_contain_text("newest first")
    expect(page.get_by_role("table")).to_contain_text("Asha Admin (+91 90000 00001) created the group Field Staff.")

    page.get_by_label("What happened").select_option(label="Group role changed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".list-summary")).to_contain_text("1–1 of 1 event")
    expect(page.get_by_role("table")).to_contain_text("an admin of Finance.")
    screenshot(page, "audit-log.png")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    header, *rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"), newline="")))
    assert [row[1] for row in rows] == ["Group role changed"]

    page.get_by_role("link", name="Clear all").click()
    page.get_by_label("About whom").fill("nobody by that name")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="No events match these filters")).to_be_visible()
