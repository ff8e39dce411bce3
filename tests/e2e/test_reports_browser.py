"""An org admin reads the Reports of the demo organization in a real browser, and downloads one table."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from users.management.commands.seed_demo import DEMO_PASSWORD

from .pages import log_in, screenshot

ASHA = "+91 90000 00001"  # org admin of Contoso Health in the demo data

pytestmark = pytest.mark.browser


def test_org_admin_narrows_the_reports_to_one_group_and_downloads_its_figures(page: Page):
    call_command("seed_demo", users=60)
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    log_in(page, ASHA, DEMO_PASSWORD)
    page.get_by_role("link", name="Contoso Health").click()
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    # Every chart says in words what it draws.
    expect(page.get_by_role("img", name="Admins and other members of each group listed below.")).to_be_visible()
    expect(page.get_by_role("img", name="Last 12 weeks:")).to_be_visible()
    expect(page.get_by_role("heading", name="Imports and exports")).to_be_visible()
    screenshot(page, "reports.png")

    # The picker names each group after its ancestors.
    page.get_by_label("Groups").select_option(label="Field Staff / North")
    page.get_by_label("Period").select_option(label="Last 6 months")
    page.get_by_role("button", name="Show").click()
    members = page.locator("#members").get_by_role("table")
    expect(members.get_by_role("row")).to_have_count(2)  # the heading row and North
    expect(members.get_by_role("rowheader", name="North", exact=True)).to_be_visible()
    expect(page.locator("#activity").get_by_role("img", name="Last 6 months:")).to_be_visible()

    with page.expect_download() as download_info:
        page.locator("#members").get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("contoso-members-")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["Group", "Admins", "Other members", "All members"]
    assert [row[0] for row in rows[1:]] == ["North"]
    assert refused == []
